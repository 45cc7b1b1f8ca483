import BiDenseIR
import BiDensePasses
import BiDenseTemplates

/// The `--dab-scale=layer` approximation for dense forward convolutions: one DAB scale for the
/// layer leaves a pure xnor-popcount over machine words (64 bits, or 32 on 32-bit cores),
/// vectorised across output channels.
enum XnorPopcountKernel {
  static func emit(_ kernel: Kernel, _ packed: PackedBinaryConv, _ context: inout EmitContext)
    throws -> KernelCode
  {
    var (values, flags) = try BinaryConvEmitter.sharedValues(kernel, packed, &context)
    values.merge(try BinaryConvEmitter.pixelStoreValues(kernel, packed, &context, indent: 16)) {
      $1
    }
    let unitBits = context.wordBits
    let unit = "uint\(unitBits)_t"
    let units = (packed.inShape.channels + unitBits - 1) / unitBits
    let outChannels = packed.outShape.channels
    values["dabFunction"] = try BinaryConvEmitter.dabFunction(
      kernel, packed, .bits(unit: unit, unitBits: unitBits, unitsPerGroup: units), &context)
    // [out][tap][word] as packed, then turned to [tap][word][out].
    let words = littleEndianWords(
      packed.bytesAlongChannels(bytesPerTap: units * unitBits / 8), bits: unitBits)
    let perOutput = packed.window.taps * units
    var transposed = [UInt64](repeating: 0, count: words.count)
    for o in 0..<outChannels {
      for k in 0..<perOutput { transposed[k * outChannels + o] = words[o * perOutput + k] }
    }
    values["weightWords"] = context.pool.words(
      "\(context.symbolBase)_words", transposed, bits: unitBits,
      comment: "\(kernel.name): weight signs, [tap][word][out], bit 1 = +1")
    let bitBytes = packed.inShape.pixels * units * unitBits / 8
    let scaleOffset = BinaryConvEmitter.align16(bitBytes)
    let agreeOffset = BinaryConvEmitter.align16(scaleOffset + 4 * packed.inShape.channels)
    let carryOffset = BinaryConvEmitter.align16(agreeOffset + unitBits / 8 * outChannels)
    let scratch = carryOffset + (kernel.producesChannelSums ? 4 * outChannels : 0)
    values.merge([
      "unit": unit, "unitBits": "\(unitBits)", "units": "\(units)",
      "PREFIX": context.pool.prefix.uppercased(),
      "scaleOffset": "\(scaleOffset)", "agreeOffset": "\(agreeOffset)",
      "carryOffset": "\(carryOffset)",
      "inChannelsFloat": CText.float(Float(packed.inShape.channels)),
      "paddingBits": "\(units * unitBits - packed.inShape.channels)",
    ]) { $1 }
    for (name, byte) in [("ones55", 0x55), ("ones33", 0x33), ("ones0f", 0x0f)] as [(String, UInt64)]
    {
      let word = (0..<(unitBits / 8)).reduce(UInt64(0)) { $0 | byte << (8 * $1) }
      values[name] = "UINT\(unitBits)_C(0x\(String(word, radix: 16)))"
    }
    flags["wide"] = unitBits == 64
    return KernelCode(
      text: try Template("kernels/binary_conv_xnor.c").render(values, flags: flags),
      scratchBytes: scratch,
      variant: "xnor-popcount dense \(packed.window.kernelH)x\(packed.window.kernelW)")
  }

  /// Bytes gathered into words, byte j of a word in bits 8j ..< 8j + 8: the same bit for
  /// the same channel as the DAB's words, whatever the machine's byte order.
  static func littleEndianWords(_ bytes: [UInt8], bits: Int) -> [UInt64] {
    let perWord = bits / 8
    return stride(from: 0, to: bytes.count, by: perWord).map { start in
      (0..<perWord).reduce(UInt64(0)) { $0 | UInt64(bytes[start + $1]) << (8 * $1) }
    }
  }
}
