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
      // The AVX-512 path: registers of 64 int8 window sums along a row, the row's end masked.
      "vector512": .bool(g.window.strideW == 1 && k.accumulatorBits == 8),
      "outWidthVectors": .int((g.outShape.width + 63) / 64),
      "PREFIX": .text(context.prefix.uppercased()),
    ]) { $1 }
    return try Template("kernels/binary_conv_depthwise.c").render(values)
  }
}
