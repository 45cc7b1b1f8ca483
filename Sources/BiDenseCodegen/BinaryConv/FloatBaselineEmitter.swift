import BiDenseIR
import BiDensePasses

/// C for the benchmark's float32 baseline of a binary convolution (`FloatBaselineKernel`).
enum FloatBaselineEmitter {
  static func emit(_ k: FloatBaselineKernel, _ context: KernelContext) throws -> String {
    let g = k.geometry
    var values = try BinaryConvEmitter.sharedValues(g, context)
    values["store"] = try BinaryConvEmitter.storeFunction(
      g, values, block: FloatBaselineKernel.block, context)
    values["dabFunction"] = try BinaryConvEmitter.dabFunction(g, k.dab, context)
    values.merge([
      "weights": context.symbol(.weights), "block": .int(FloatBaselineKernel.block),
      "depth": .int(k.depth), "depthChunk": .int(FloatBaselineKernel.depthChunk),
      "paddedOutPerGroup": .int(k.paddedOutPerGroup), "colOffset": .int(k.columnsOffset),
      "accOffset": .int(k.accumulatorOffset), "scaleOffset": .int(k.scaleOffset),
      "lanesOffset": .int(k.lanesOffset),
    ]) { $1 }
    return try Template("kernels/float_baseline_conv.c").render(values)
  }
}
