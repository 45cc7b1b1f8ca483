/// The general exact kernel, for transposed and grouped convolutions: activation bits packed
/// along channels, and per byte of agreement bits a lookup in a table of the 256 signed sums
/// of the DAB scales.
enum ChannelTableKernel {
  static func emit(_ kernel: Kernel, _ packed: PackedBinaryConv, _ context: inout EmitContext)
    throws -> KernelCode
  {
    var (values, flags) = try BinaryConvEmitter.sharedValues(
      kernel, packed, &context, bodyIndent: 16)
    let bytesPerGroup = (packed.inPerGroup + 7) / 8
    let tableBits = min(8, packed.inPerGroup)
    let entries = 1 << tableBits
    let bytesPerPixel = packed.groups * bytesPerGroup
    values["dabFunction"] = try BinaryConvEmitter.dabFunction(
      kernel, packed, .bits(bytesPerGroup: bytesPerGroup, bytesPerPixel: bytesPerPixel), &context)
    values["weightBits"] = context.pool.bytes(
      "\(context.symbolBase)_bits", packed.bytesAlongChannels(),
      comment: "\(kernel.name): weight signs, [out][tap][byte], bit 1 = +1")
    // Scratch: activation bits, then the scales, the tables and the producer's sum carries.
    let bitBytes = packed.inShape.pixels * bytesPerPixel
    let scaleOffset = BinaryConvEmitter.align16(bitBytes)
    let tableOffset = BinaryConvEmitter.align16(scaleOffset + 4 * packed.inShape.channels)
    let carryOffset = BinaryConvEmitter.align16(
      tableOffset + 4 * packed.groups * bytesPerGroup * entries)
    let scratch = carryOffset + (kernel.producesChannelSums ? 4 * packed.outShape.channels : 0)
    values.merge([
      "bytesPerGroup": "\(bytesPerGroup)", "bytesPerPixel": "\(bytesPerPixel)",
      "tableBits": "\(tableBits)", "entries": "\(entries)",
      "entryMask": "\(entries - 1)", "groupTableStride": "\(bytesPerGroup * entries)",
      "weightStride": "\(packed.window.taps * bytesPerGroup)",
      "scaleOffset": "\(scaleOffset)", "tableOffset": "\(tableOffset)",
      "carryOffset": "\(carryOffset)",
    ]) { $1 }
    let text = try Template("kernels/binary_conv.c").render(values, flags: flags)
    let shape = packed.transposed ? "transposed " : "grouped "
    return KernelCode(
      text: text, scratchBytes: scratch,
      variant: "byte table, \(shape)\(packed.window.kernelH)x\(packed.window.kernelW)")
  }
}
