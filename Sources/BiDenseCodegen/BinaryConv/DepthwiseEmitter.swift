import BiDenseIR
import BiDensePasses

/// C for the depthwise sign-count kernel (`DepthwiseKernel`).
enum DepthwiseEmitter {
  static func emit(_ k: DepthwiseKernel, _ context: KernelContext) throws -> String {
    let g = k.geometry
    var (values, flags) = BinaryConvEmitter.sharedValues(g, context)
    values["store"] = try BinaryConvEmitter.storeFunction(
      g, values, flags, block: g.outShape.width, context)
    values["lanesArgument"] = g.producesChannelSums ? ", lanes" : ""
    values["dabFunction"] = try BinaryConvEmitter.dabFunction(g, k.dab, context)
    values["tapBits"] = context.symbol(.weights)
    values.merge([
      "accType": "int\(k.accumulatorBits)_t", "tapBytes": "\((g.window.taps + 7) / 8)",
      "planeSize": "\(k.planeHeight * k.planeWidth)", "paddedWidth": "\(k.planeWidth)",
      "scaleOffset": "\(k.scaleOffset)", "lanesOffset": "\(k.lanesOffset)",
    ]) { $1 }
    return try Template("kernels/binary_conv_depthwise.c").render(values, flags: flags)
  }
}
