import BiDenseIR
import BiDensePasses

/// C for the `--dab-scale=layer` xnor-popcount kernel (`XnorPopcountKernel`).
enum XnorPopcountEmitter {
  static func emit(_ k: XnorPopcountKernel, _ context: KernelContext) throws -> String {
    let g = k.geometry
    let unitBits = k.unitBits
    var values = try BinaryConvEmitter.sharedValues(g, context)
    values["dabFunction"] = try BinaryConvEmitter.dabFunction(g, k.dab, context)
    values.merge([
      "weightWords": context.symbol(.weights), "unit": .text("uint\(unitBits)_t"),
      "unitBits": .int(unitBits), "units": .int(k.units),
      "PREFIX": .text(context.prefix.uppercased()),
      "scaleOffset": .int(k.scaleOffset), "agreeOffset": .int(k.agreementOffset),
      "carryOffset": .int(k.carryOffset),
      "inChannelsFloat": .text(CText.float(Float(g.inShape.channels))),
      "paddingBits": .int(k.paddingBits), "wide": .bool(unitBits == 64),
      "gathers": .bool(g.window.padH > 0 || g.window.padW > 0),
    ]) { $1 }
    return try Template("kernels/binary_conv_xnor.c").render(values)
  }
}
