import BiDenseIR
import BiDensePasses

/// C for the byte-table kernel (`ByteTableKernel`).
enum ByteTableEmitter {
  static func emit(_ k: ByteTableKernel, _ context: KernelContext) throws -> String {
    let g = k.geometry
    var (values, flags) = BinaryConvEmitter.sharedValues(g, context)
    values["scaleByWeight"] = ""
    if g.transposed {
      // Transposed, the weight scale is per input channel: it joins the DAB scale.
      let symbol = context.symbol(.weightScale)
      values["scaleByWeight"] =
        "    for (int c = 0; c < \(g.inShape.channels); ++c) scale[c] = scale[c] * \(symbol)[c];\n"
    }
    values.merge(try BinaryConvEmitter.pixelStoreValues(g, context, indent: 16)) { $1 }
    values["dabFunction"] = try BinaryConvEmitter.dabFunction(g, k.dab, context)
    values["weightBits"] = context.symbol(.weights)
    values.merge([
      "unit": "uint8_t", "unitsPerGroup": "\(k.bytesPerGroup)",
      "unitsPerPixel": "\(k.bytesPerPixel)", "tableBits": "\(k.tableBits)",
      "entries": "\(k.entries)", "entryMask": "\(k.entries - 1)",
      "groupTableStride": "\(k.bytesPerGroup * k.entries)",
      "weightStride": "\(g.window.taps * k.bytesPerGroup)",
      "scaleOffset": "\(k.scaleOffset)", "tableOffset": "\(k.tableOffset)",
      "carryOffset": "\(k.carryOffset)",
    ]) { $1 }
    return try Template("kernels/binary_conv.c").render(values, flags: flags)
  }
}
