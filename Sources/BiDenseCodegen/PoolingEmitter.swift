import BiDenseIR
import BiDensePasses
import BiDenseTemplates

/// C for AvgPool2d and AdaptiveAvgPool2d.
enum PoolingEmitter {
  static func avgPool(_ kernel: Kernel, _ node: Node, _ w: Window, _ context: inout EmitContext)
    throws -> KernelCode
  {
    let input = context.graph[node.inputs[0]].shape
    var values = context.commonValues(
      kernel,
      title: "AvgPool2d \(w), \(input) -> \(node.shape)", input: input,
      epilogueIndent: 16)
    values.merge(windowValues(w)) { $1 }
    return KernelCode(text: try Template("kernels/avg_pool.c").render(values), scratchBytes: 0)
  }

  static func adaptiveAvgPool(_ kernel: Kernel, _ node: Node, _ context: inout EmitContext) throws
    -> KernelCode
  {
    let input = context.graph[node.inputs[0]].shape
    let values = context.commonValues(
      kernel, title: "AdaptiveAvgPool2d \(input) -> \(node.shape)", input: input,
      epilogueIndent: 16)
    return KernelCode(
      text: try Template("kernels/adaptive_avg_pool.c").render(values), scratchBytes: 0)
  }
}
