/// The float32 baseline of a BiDense convolution, for `bench`: the same DAB producing floats,
/// then the convolution as im2col plus a cache-blocked sgemm with ±a float weights.
enum FloatBaselineConvEmitter {
  /// Output pixels per im2col block.
  static let block = 64

  static func emit(_ kernel: Kernel, _ packed: PackedBinaryConv, _ context: inout EmitContext)
    throws -> KernelCode
  {
    var (values, flags) = try BinaryConvEmitter.sharedValues(
      kernel, packed, &context, bodyIndent: 20, withWeightScale: false)
    let depth = packed.inPerGroup * packed.window.taps
    values["weights"] = context.pool.floats(
      "\(context.symbolBase)_weight", packed.floatWeights(),
      comment: "\(kernel.name): weights as float32 +-a")
    let vBytes = 4 * packed.inShape.count
    let colOffset = BinaryConvEmitter.align16(vBytes)
    let accOffset = BinaryConvEmitter.align16(colOffset + 4 * depth * block)
    let carryOffset = BinaryConvEmitter.align16(accOffset + 4 * packed.outPerGroup * block)
    values.merge([
      "block": "\(block)", "depth": "\(depth)", "colOffset": "\(colOffset)",
      "accOffset": "\(accOffset)", "carryOffset": "\(carryOffset)",
    ]) { $1 }
    flags["transposed"] = packed.transposed
    let scratch = carryOffset + 4 * packed.outShape.channels
    return KernelCode(
      text: try Template("kernels/float_baseline_conv.c").render(values, flags: flags),
      scratchBytes: scratch)
  }
}
