import BiDenseIR
import BiDensePasses
import BiDenseTemplates

/// The float32 baseline of a BiDense convolution, for `bench`: the same DAB producing floats,
/// then the convolution as im2col plus a cache-blocked sgemm with ±a float weights.
enum FloatBaselineConvEmitter {
  /// Output pixels per im2col block.
  static let block = 64
  /// Rows of the im2col block per sgemm pass: 256 × 64 floats stay in the L2 cache.
  static let depthChunk = 256

  static func emit(_ kernel: Kernel, _ packed: PackedBinaryConv, _ context: inout EmitContext)
    throws -> KernelCode
  {
    var (values, flags) = try BinaryConvEmitter.sharedValues(
      kernel, packed, &context, withWeightScale: false)
    values["store"] = try BinaryConvEmitter.storeFunction(
      kernel, packed, values, flags, block: block, &context)
    values["lanesArgument"] =
      kernel.producesChannelSums ? ", lanes + o * 2 * \(context.compensatedLanes)" : ""
    values["dabFunction"] = try BinaryConvEmitter.dabFunction(kernel, packed, .floats, &context)
    let depth = packed.inPerGroup * packed.window.taps
    let paddedOutPerGroup = (packed.outPerGroup + 3) / 4 * 4
    // Weights [group][output, padded to a multiple of 4][depth]; the padding rows are 0.
    let weights = packed.floatWeights()
    var padded = [Float](repeating: 0, count: packed.groups * paddedOutPerGroup * depth)
    for g in 0..<packed.groups {
      for o in 0..<packed.outPerGroup {
        let from = (g * packed.outPerGroup + o) * depth
        let to = (g * paddedOutPerGroup + o) * depth
        padded.replaceSubrange(to..<(to + depth), with: weights[from..<(from + depth)])
      }
    }
    values["weights"] = context.pool.floats(
      "\(context.symbolBase)_weight", padded,
      comment: "\(kernel.name): weights as float32 +-a, outputs padded to a multiple of 4")
    let colOffset = BinaryConvEmitter.align16(4 * packed.inShape.count)
    let accOffset = BinaryConvEmitter.align16(colOffset + 4 * depth * block)
    let scaleOffset = BinaryConvEmitter.align16(accOffset + 4 * paddedOutPerGroup * block)
    let lanesOffset = BinaryConvEmitter.align16(scaleOffset + 4 * packed.inShape.channels)
    let lanesBytes =
      kernel.producesChannelSums
      ? 4 * 2 * context.compensatedLanes * packed.outShape.channels : 0
    values.merge([
      "block": "\(block)", "depth": "\(depth)", "depthChunk": "\(depthChunk)",
      "paddedOutPerGroup": "\(paddedOutPerGroup)", "colOffset": "\(colOffset)",
      "accOffset": "\(accOffset)", "scaleOffset": "\(scaleOffset)",
      "lanesOffset": "\(lanesOffset)",
    ]) { $1 }
    flags["transposed"] = packed.transposed
    return KernelCode(
      text: try Template("kernels/float_baseline_conv.c").render(values, flags: flags),
      scratchBytes: lanesOffset + lanesBytes, variant: "float32 im2col + sgemm")
  }
}
