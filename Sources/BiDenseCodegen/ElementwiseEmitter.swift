import BiDenseIR
import BiDensePasses
import BiDenseTemplates

/// C for the ops that combine or copy whole tensors: Add, Concat, a lone elementwise op, and
/// a bypass that could not be fused into its convolution.
enum ElementwiseEmitter {
  static func add(_ kernel: Kernel, _ context: inout EmitContext) throws -> KernelCode {
    let shape = context.graph[kernel.output].shape
    let values = context.commonValues(kernel, title: "Add \(shape)", input: nil)
    return KernelCode(text: try Template("kernels/add.c").render(values), scratchBytes: 0)
  }

  static func concat(_ kernel: Kernel, _ node: Node, _ context: inout EmitContext) throws
    -> KernelCode
  {
    let graph = context.graph
    let shape = graph[kernel.output].shape
    var values = context.commonValues(kernel, title: "Concat -> \(shape)", input: nil)
    var parts = ""
    var first = 0
    for (index, source) in node.inputs.enumerated() {
      let channels = graph[source].shape.channels
      let input = "x\(index)"
      parts += try Template("kernels/concat_part.c").render([
        "first": "\(first)", "end": "\(first + channels)", "pixels": "\(shape.pixels)",
        "input": input, "source": CText.comment(graph[source].name),
        "epilogue": values["epilogue"]!,
      ])
      first += channels
    }
    values["parts"] = parts
    values["parameters"] =
      kernel.inputs.indices.map { "const float *x\($0), " }.joined()
      + "float *y, unsigned char *scratch"
    return KernelCode(text: try Template("kernels/concat.c").render(values), scratchBytes: 0)
  }

  /// A lone elementwise op (its producer could not take it): a copy with the op in front of
  /// the epilogue.
  static func elementwise(_ kernel: Kernel, _ id: ValueID, _ context: inout EmitContext) throws
    -> KernelCode
  {
    let node = context.graph[id]
    let values = context.commonValues(
      kernel, title: "\(node.op.kindName) \(node.shape)", input: nil, leading: [id])
    return KernelCode(text: try Template("kernels/elementwise.c").render(values), scratchBytes: 0)
  }

  static func channelBypass(_ kernel: Kernel, _ node: Node, _ context: inout EmitContext) throws
    -> KernelCode
  {
    let input = context.graph[node.inputs[0]].shape
    let plan = try ChannelBypassPlan(
      inChannels: input.channels, outChannels: node.shape.channels, node: node.name)
    var values = context.commonValues(
      kernel, title: "ChannelBypass \(input) -> \(node.shape)", input: input)
    values["sourceChannels"] = CText.bypassSources(plan)
    return KernelCode(
      text: try Template("kernels/channel_bypass.c").render(values), scratchBytes: 0)
  }
}
