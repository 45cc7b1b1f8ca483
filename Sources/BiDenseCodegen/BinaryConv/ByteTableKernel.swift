import BiDenseIR
import BiDensePasses
import BiDenseTemplates

/// The general exact kernel, for transposed and grouped convolutions (and dense ones on cores
/// without vector units): the DAB signs packed as bits along channels, the window walked per
/// output pixel, and per byte of agreement bits a lookup in a table of the 256 signed sums of
/// the DAB scales that byte covers.
enum ByteTableKernel {
  static func emit(_ kernel: Kernel, _ packed: PackedBinaryConv, _ context: inout EmitContext)
    throws -> KernelCode
  {
    var (values, flags) = try BinaryConvEmitter.sharedValues(kernel, packed, &context)
    values["scaleByWeight"] = ""
    if packed.transposed {
      // Transposed, the weight scale is per input channel: it joins the DAB scale.
      let symbol = context.pool.floats(
        "\(context.symbolBase)_wscale", packed.weightScale,
        comment: "\(kernel.name): weight scale per input channel")
      values["scaleByWeight"] =
        "    for (int c = 0; c < \(packed.inShape.channels); ++c) scale[c] = scale[c] * \(symbol)[c];\n"
    }
    values.merge(try BinaryConvEmitter.pixelStoreValues(kernel, packed, &context, indent: 16)) {
      $1
    }
    let bytesPerGroup = (packed.inPerGroup + 7) / 8
    let bytesPerPixel = packed.groups * bytesPerGroup
    values["dabFunction"] = try BinaryConvEmitter.dabFunction(
      kernel, packed, .bits(unit: "uint8_t", unitBits: 8, unitsPerGroup: bytesPerGroup),
      &context)
    values["weightBits"] = context.pool.bytes(
      "\(context.symbolBase)_bits", packed.bytesAlongChannels(),
      comment: "\(kernel.name): weight signs, [out][tap][byte], bit 1 = +1")
    // Scratch: activation bits, then the scales, the tables and the producer's sum carries.
    let tableBits = min(8, packed.inPerGroup)
    let entries = 1 << tableBits
    let scaleOffset = BinaryConvEmitter.align16(packed.inShape.pixels * bytesPerPixel)
    let tableOffset = BinaryConvEmitter.align16(scaleOffset + 4 * packed.inShape.channels)
    let carryOffset = BinaryConvEmitter.align16(
      tableOffset + 4 * packed.groups * bytesPerGroup * entries)
    let scratch = carryOffset + (kernel.producesChannelSums ? 4 * packed.outShape.channels : 0)
    values.merge([
      "unit": "uint8_t", "unitsPerGroup": "\(bytesPerGroup)",
      "unitsPerPixel": "\(bytesPerPixel)", "tableBits": "\(tableBits)",
      "entries": "\(entries)", "entryMask": "\(entries - 1)",
      "groupTableStride": "\(bytesPerGroup * entries)",
      "weightStride": "\(packed.window.taps * bytesPerGroup)",
      "scaleOffset": "\(scaleOffset)", "tableOffset": "\(tableOffset)",
      "carryOffset": "\(carryOffset)",
    ]) { $1 }
    let shape = packed.transposed ? "transposed " : packed.groups > 1 ? "grouped " : "dense "
    return KernelCode(
      text: try Template("kernels/binary_conv.c").render(values, flags: flags),
      scratchBytes: scratch,
      variant: "byte table, \(shape)\(packed.window.kernelH)x\(packed.window.kernelW)")
  }
}
