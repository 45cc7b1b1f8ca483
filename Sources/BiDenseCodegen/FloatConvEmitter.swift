import BiDenseIR
import BiDensePasses

/// C for a float convolution (the ConvNeXt stem, the 1×1 heads), with whatever BatchNorm and
/// activation follow it in the epilogue.
enum FloatConvEmitter {
  static func emit(_ k: FloatConvKernel, _ context: KernelContext) throws -> String {
    let w = k.window
    var values = context.commonValues(
      title: "Conv2d \(k.input) -> \(k.output), \(w), groups \(k.groups)", output: k.output,
      input: k.input, epilogueIndent: 16)
    values.merge(windowValues(w)) { $1 }
    values.merge([
      "weights": context.symbol(.weights), "bias": context.symbol(.bias),
      "groups": .int(k.groups), "inPerGroup": .int(k.inPerGroup),
      "outPerGroup": .int(k.outPerGroup), "weightStride": .int(k.inPerGroup * w.taps),
    ]) { $1 }
    if k.gathers {
      values["depth"] = .named("DEPTH", k.inPerGroup * w.taps)
      values["accumulatorOffset"] = .int(k.accumulatorOffset)
      return try Template("kernels/float_conv_gather.c").render(values)
    }
    if !k.vectorRows { return try Template("kernels/float_conv_pixels.c").render(values) }
    // Output channel o is output oo of group g.
    values["epilogue"] = context.epilogue(indent: 20, channel: "$g * outPerGroup + $oo")
    values["rowStride"] = .int(k.rowStride)
    values["readsRows"] = .bool(k.readsRows)
    return try Template("kernels/float_conv.c").render(values)
  }
}
