import BiDenseIR
import BiDensePasses

/// C for the depthwise sign-count kernel (`DepthwiseKernel`).
enum DepthwiseEmitter {
  static func emit(_ k: DepthwiseKernel, _ context: KernelContext) throws -> String {
    let g = k.geometry
    var values = try BinaryConvEmitter.sharedValues(g, context)
    values["store"] = try BinaryConvEmitter.storeFunction(
      g, values, block: g.outShape.width, context)
    values["dabFunction"] = try BinaryConvEmitter.dabFunction(g, k.dab, context)
    values.merge([
      "tapBits": context.symbol(.weights), "accType": .text("int\(k.accumulatorBits)_t"),
      "tapBytes": .int((g.window.taps + 7) / 8),
      "planeSize": .named("PLANE", k.planeHeight * k.planeWidth),
      "planeWidth": .named("PLANE_WIDTH", k.planeWidth),
      "scaleOffset": .int(k.scaleOffset), "lanesOffset": .int(k.lanesOffset),
    ]) { $1 }
    return try Template("kernels/binary_conv_depthwise.c").render(values)
  }
}
