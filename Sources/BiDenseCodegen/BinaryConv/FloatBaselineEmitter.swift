import BiDenseIR
import BiDensePasses

/// C for the benchmark's float32 baseline of a binary convolution (`FloatBaselineKernel`).
enum FloatBaselineEmitter {
  static func emit(_ k: FloatBaselineKernel, _ context: KernelContext) throws -> String {
    let g = k.geometry
    var (values, flags) = BinaryConvEmitter.sharedValues(g, context)
    values["store"] = try BinaryConvEmitter.storeFunction(
      g, values, flags, block: FloatBaselineKernel.block, context)
    values["lanesArgument"] =
      g.producesChannelSums ? ", lanes + o * 2 * \(context.compensatedLanes)" : ""
    values["dabFunction"] = try BinaryConvEmitter.dabFunction(g, k.dab, context)
    values["weights"] = context.symbol(.weights)
    values.merge([
      "block": "\(FloatBaselineKernel.block)", "depth": "\(k.depth)",
      "depthChunk": "\(FloatBaselineKernel.depthChunk)",
      "paddedOutPerGroup": "\(k.paddedOutPerGroup)", "colOffset": "\(k.columnsOffset)",
      "accOffset": "\(k.accumulatorOffset)", "scaleOffset": "\(k.scaleOffset)",
      "lanesOffset": "\(k.lanesOffset)",
    ]) { $1 }
    flags["transposed"] = g.transposed
    return try Template("kernels/float_baseline_conv.c").render(values, flags: flags)
  }
}
