import BiDenseIR
import BiDensePasses

/// C for the `--dab-scale=layer` xnor-popcount kernel (`XnorPopcountKernel`).
enum XnorPopcountEmitter {
  static func emit(_ k: XnorPopcountKernel, _ context: KernelContext) throws -> String {
    let g = k.geometry
    var (values, flags) = BinaryConvEmitter.sharedValues(g, context)
    values.merge(try BinaryConvEmitter.pixelStoreValues(g, context, indent: 16)) { $1 }
    let unitBits = k.unitBits
    values["dabFunction"] = try BinaryConvEmitter.dabFunction(g, k.dab, context)
    values["weightWords"] = context.symbol(.weights)
    values.merge([
      "unit": "uint\(unitBits)_t", "unitBits": "\(unitBits)", "units": "\(k.units)",
      "PREFIX": context.prefix.uppercased(),
      "scaleOffset": "\(k.scaleOffset)", "agreeOffset": "\(k.agreementOffset)",
      "carryOffset": "\(k.carryOffset)",
      "inChannelsFloat": CText.float(Float(g.inShape.channels)),
      "paddingBits": "\(k.paddingBits)",
    ]) { $1 }
    for (name, byte) in [("ones55", 0x55), ("ones33", 0x33), ("ones0f", 0x0f)] as [(String, UInt64)]
    {
      let word = (0..<(unitBits / 8)).reduce(UInt64(0)) { $0 | byte << (8 * $1) }
      values[name] = "UINT\(unitBits)_C(0x\(String(word, radix: 16)))"
    }
    flags["wide"] = unitBits == 64
    return try Template("kernels/binary_conv_xnor.c").render(values, flags: flags)
  }
}
