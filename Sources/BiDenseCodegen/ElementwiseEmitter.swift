import BiDenseIR
import BiDensePasses

/// C for the ops that combine or copy whole tensors: Add, Concat, a lone elementwise op, and
/// a bypass that could not be fused into its convolution.
enum ElementwiseEmitter {
  static func add(_ shape: TensorShape, _ context: KernelContext) throws -> String {
    let values = context.commonValues(title: "Add \(shape)", output: shape, input: nil)
    return try Template("kernels/add.c").render(values)
  }

  static func concat(_ k: ConcatKernel, _ context: KernelContext) throws -> String {
    var values = context.commonValues(title: "Concat -> \(k.output)", output: k.output, input: nil)
    var parts = ""
    var first = 0
    for (index, part) in k.parts.enumerated() {
      parts += try Template("kernels/concat_part.c").render([
        "first": "\(first)", "end": "\(first + part.channels)",
        "pixels": "\(k.output.pixels)", "input": "x\(index)",
        "source": CText.comment(part.name), "epilogue": values["epilogue"]!,
      ])
      first += part.channels
    }
    values["parts"] = parts
    values["parameters"] =
      k.parts.indices.map { "const float *x\($0), " }.joined() + "float *y, unsigned char *scratch"
    return try Template("kernels/concat.c").render(values)
  }

  /// A lone elementwise op (its producer could not take it): a copy with the op in front of
  /// the epilogue.
  static func elementwise(_ step: EpilogueStep, _ shape: TensorShape, _ context: KernelContext)
    throws -> String
  {
    let values = context.commonValues(
      title: "\(step.op.kindName) \(shape)", output: shape, input: nil, leading: [step])
    return try Template("kernels/elementwise.c").render(values)
  }

  static func channelBypass(_ k: ChannelBypassKernel, _ context: KernelContext) throws -> String {
    var values = context.commonValues(
      title: "ChannelBypass \(k.input) -> \(k.output)", output: k.output, input: k.input)
    values["sourceChannels"] = CText.bypassSources(k.plan)
    return try Template("kernels/channel_bypass.c").render(values)
  }
}
