import BiDenseIR
import BiDensePasses
import BiDenseTemplates

/// Depthwise binary convolutions: one input channel per output, so the DAB scale and the
/// weight scale factor out of the window sum, which becomes an exact count of sign
/// agreements minus disagreements, added in small integer lanes that vectorise widely.
enum DepthwiseKernel {
  static func emit(_ kernel: Kernel, _ packed: PackedBinaryConv, _ context: inout EmitContext)
    throws -> KernelCode
  {
    var (values, flags) = try BinaryConvEmitter.sharedValues(kernel, packed, &context)
    let window = packed.window
    let inShape = packed.inShape
    let planeHeight = inShape.height + 2 * window.padH
    let planeWidth = inShape.width + 2 * window.padW
    values["store"] = try BinaryConvEmitter.storeFunction(
      kernel, packed, values, flags, block: packed.outShape.width, &context)
    values["lanesArgument"] = kernel.producesChannelSums ? ", lanes" : ""
    values["dabFunction"] = try BinaryConvEmitter.dabFunction(
      kernel, packed,
      .signs(
        height: inShape.height, width: inShape.width, top: window.padH, left: window.padW,
        planeHeight: planeHeight, planeWidth: planeWidth), &context)
    values["tapBits"] = context.pool.bytes(
      "\(context.symbolBase)_taps", packed.tapBits(),
      comment: "\(kernel.name): weight signs, [channel][tap bits], bit 1 = +1")
    let signBytes = inShape.channels * planeHeight * planeWidth
    let scaleOffset = BinaryConvEmitter.align16(signBytes)
    let lanesOffset = BinaryConvEmitter.align16(scaleOffset + 4 * inShape.channels)
    let lanesBytes = kernel.producesChannelSums ? 4 * 2 * context.compensatedLanes : 0
    values.merge([
      "accType": accumulatorType(taps: window.taps), "tapBytes": "\((window.taps + 7) / 8)",
      "planeSize": "\(planeHeight * planeWidth)", "paddedWidth": "\(planeWidth)",
      "scaleOffset": "\(scaleOffset)", "lanesOffset": "\(lanesOffset)",
    ]) { $1 }
    return KernelCode(
      text: try Template("kernels/binary_conv_depthwise.c").render(values, flags: flags),
      scratchBytes: lanesOffset + lanesBytes,
      variant: "depthwise \(window.kernelH)x\(window.kernelW), sign counts")
  }

  /// The narrowest integer that holds a sum of `taps` terms of ±1.
  static func accumulatorType(taps: Int) -> String {
    taps <= Int(Int8.max) ? "int8_t" : taps <= Int(Int16.max) ? "int16_t" : "int32_t"
  }
}
