import BiDenseIR
import BiDensePasses
import BiDenseTemplates

/// C for a float convolution (the ConvNeXt stem, the 1×1 heads), with whatever BatchNorm and
/// activation follow it in the epilogue.
enum FloatConvEmitter {
  static func emit(
    _ kernel: Kernel, _ node: Node, _ conv: Convolution, _ context: inout EmitContext
  )
    throws -> KernelCode
  {
    guard !conv.transposed else {
      throw BiDenseError(node: node.name, "a float transposed convolution is not supported")
    }
    let input = context.graph[node.inputs[0]].shape
    let w = conv.window
    var values = context.commonValues(
      kernel,
      title: "Conv2d \(input) -> \(node.shape), \(w), groups \(conv.groups)",
      input: input, epilogueIndent: 16)
    values["weights"] = context.pool.floats(
      "\(context.symbolBase)_weight", conv.weight, comment: "\(kernel.name): Conv2d weight")
    values["bias"] = context.pool.floats(
      "\(context.symbolBase)_bias", conv.bias ?? [Float](repeating: 0, count: conv.outChannels),
      comment: "\(kernel.name): Conv2d bias")
    values["inPerGroup"] = "\(conv.inChannelsPerGroup)"
    values["outPerGroup"] = "\(conv.outChannelsPerGroup)"
    values["weightStride"] = "\(conv.inChannelsPerGroup * w.taps)"
    values.merge(windowValues(w)) { $1 }
    return KernelCode(text: try Template("kernels/float_conv.c").render(values), scratchBytes: 0)
  }
}
