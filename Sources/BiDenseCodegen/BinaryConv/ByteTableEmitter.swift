import BiDenseIR
import BiDensePasses

/// C for the byte-table kernel (`ByteTableKernel`).
enum ByteTableEmitter {
  static func emit(_ k: ByteTableKernel, _ context: KernelContext) throws -> String {
    let g = k.geometry
    let w = g.window
    var values = try BinaryConvEmitter.sharedValues(g, context)
    values["dabFunction"] = try BinaryConvEmitter.dabFunction(g, k.dab, context)
    let mask = k.entries < 256 ? " & \(k.entries - 1)" : ""
    let agreement = { (weight: String) in
      mask.isEmpty
        ? "(uint8_t)~(xb[{{$q}}] ^ \(weight))" : "((uint8_t)~(xb[{{$q}}] ^ \(weight))\(mask))"
    }
    values.merge([
      "weightBits": context.symbol(.weights),
      "weightScale": g.transposed ? context.symbol(.weightScale) : "",
      "unitsPerGroup": .int(k.bytesPerGroup), "unitsPerPixel": .int(k.bytesPerPixel),
      "tableBits": .int(k.tableBits), "entries": .int(k.entries),
      // Only a group of more than 8 channels that is not a whole number of bytes has table
      // bits past its last channel.
      "partialUnits": .bool(g.inPerGroup > 8 && g.inPerGroup % 8 != 0),
      "groupTableStride": .int(k.bytesPerGroup * k.entries),
      "weightStride": .int(w.taps * k.bytesPerGroup),
      "scaleOffset": .int(k.scaleOffset), "tableOffset": .int(k.tableOffset),
      "carryOffset": .int(k.carryOffset),
      // A window can fall outside the input only with padding or when transposed.
      "gathers": .bool(g.transposed || w.padH > 0 || w.padW > 0),
      "agreement": .fragment(agreement("wb[{{$q}}]")),
      "agreementAtTap": .fragment(agreement("w[{{$k * unitsPerGroup + $q}}]")),
    ]) { $1 }
    return try Template("kernels/binary_conv.c").render(values)
  }
}
