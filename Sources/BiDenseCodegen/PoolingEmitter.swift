import BiDenseIR
import BiDensePasses

/// C for AvgPool2d and AdaptiveAvgPool2d.
enum PoolingEmitter {
  static func avgPool(_ k: AvgPoolKernel, _ context: KernelContext) throws -> String {
    var values = context.commonValues(
      title: "AvgPool2d \(k.window), \(k.input) -> \(k.output)", output: k.output,
      input: k.input, epilogueIndent: 16)
    values.merge(windowValues(k.window)) { $1 }
    return try Template("kernels/avg_pool.c").render(values)
  }

  static func adaptiveAvgPool(_ k: ReshapeKernel, _ context: KernelContext) throws -> String {
    let values = context.commonValues(
      title: "AdaptiveAvgPool2d \(k.input) -> \(k.output)", output: k.output, input: k.input,
      epilogueIndent: 16)
    return try Template("kernels/adaptive_avg_pool.c").render(values)
  }
}
