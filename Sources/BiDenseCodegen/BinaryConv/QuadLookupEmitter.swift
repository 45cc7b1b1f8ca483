import BiDenseIR
import BiDensePasses

/// C for the LUT-4 kernel (`QuadLookupKernel`).
enum QuadLookupEmitter {
  static func emit(_ k: QuadLookupKernel, _ context: KernelContext) throws -> String {
    let g = k.geometry
    let window = g.window
    var (values, flags) = BinaryConvEmitter.sharedValues(g, context)
    values["store"] = try BinaryConvEmitter.storeFunction(
      g, values, flags, block: QuadLookupKernel.block, context)
    values["lanesArgument"] =
      g.producesChannelSums ? ", lanes + o * 2 * \(context.compensatedLanes)" : ""
    values["dabFunction"] = try BinaryConvEmitter.dabFunction(g, k.dab, context)
    values["weightNibbles"] = context.symbol(.weights)
    let block = QuadLookupKernel.block
    let outputBlock = QuadLookupKernel.outputBlock
    values.merge([
      "block": "\(block)", "outputBlock": "\(outputBlock)",
      "outputBlockLast": "\(outputBlock - 1)", "avxVectors": "\(block / 8)",
      "neonVectors": "\(block / 4)", "PREFIX": context.prefix.uppercased(),
      "blockRows": "\(k.blockRows)",
      "blockWidth": "\(k.blockWidth)", "tableWidth": "\(k.tableWidth)",
      "sourceStep": "\(window.strideW)", "planeSize": "\(k.planeHeight * k.planeWidth)",
      "paddedWidth": "\(k.planeWidth)", "quads": "\(k.quads)", "chunkQuads": "\(k.chunkQuads)",
      "paddedOutChannels": "\(k.paddedOutChannels)", "nibbleBytes": "\(k.nibbleBytes)",
      "tableTaps": k.sharedRows ? "1" : "\(window.kernelW)",
      "firstTap": k.sharedRows ? "0" : "tj",
      "endTap": k.sharedRows ? "\(window.kernelW)" : "tj + 1",
      "tapShift": k.sharedRows ? "j * \(window.dilationW)" : "0",
      "scaleOffset": "\(k.scaleOffset)", "tableOffset": "\(k.tableOffset)",
      "accOffset": "\(k.accumulatorOffset)", "lanesOffset": "\(k.lanesOffset)",
    ]) { $1 }
    return try Template("kernels/binary_conv_lut.c").render(values, flags: flags)
  }
}
