import BiDenseIR
import BiDensePasses

/// C for the LUT-4 kernel (`QuadLookupKernel`).
enum QuadLookupEmitter {
  static func emit(_ k: QuadLookupKernel, _ context: KernelContext) throws -> String {
    let g = k.geometry
    let window = g.window
    let block = QuadLookupKernel.block
    var values = try BinaryConvEmitter.sharedValues(g, context)
    values["store"] = try BinaryConvEmitter.storeFunction(g, values, block: block, context)
    values["dabFunction"] = try BinaryConvEmitter.dabFunction(g, k.dab, context)
    values.merge([
      "weightNibbles": context.symbol(.weights), "block": .int(block),
      "outputBlock": .int(QuadLookupKernel.outputBlock),
      "PREFIX": .text(context.prefix.uppercased()),
      "blockRows": .int(k.blockRows), "blockWidth": .named("BLOCK_WIDTH", k.blockWidth),
      "tableWidth": .named("TABLE_WIDTH", k.tableWidth), "sourceStep": .int(window.strideW),
      "planeSize": .named("PLANE", k.planeHeight * k.planeWidth),
      "planeWidth": .named("PLANE_WIDTH", k.planeWidth), "quads": .named("QUADS", k.quads),
      "chunkQuads": .int(k.chunkQuads),
      "paddedOutChannels": .named("PADDED_OUT", k.paddedOutChannels),
      "nibbleBytes": .int(k.nibbleBytes), "sharedRows": .bool(k.sharedRows),
      "tableTaps": .int(k.sharedRows ? 1 : window.kernelW),
      "rowTaps": .int(k.sharedRows ? window.kernelW : 1),
      "scaleOffset": .int(k.scaleOffset), "tableOffset": .int(k.tableOffset),
      "accOffset": .int(k.accumulatorOffset), "lanesOffset": .int(k.lanesOffset),
      // Quads in this chunk, and output pixels in this block: constants where every chunk and
      // block is whole.
      "chunk": .fragment(
        k.quads <= k.chunkQuads
          ? "{{quads}}"
          : k.quads % k.chunkQuads == 0
            ? "{{chunkQuads}}"
            : "({{quads - $q0}} < {{chunkQuads}} ? {{quads - $q0}} : {{chunkQuads}})"),
      "count": .fragment(
        k.blockWidth <= block
          ? "{{blockWidth}}"
          : k.blockWidth % block == 0
            ? "{{block}}"
            : "({{blockWidth - $x0}} < {{block}} ? {{blockWidth - $x0}} : {{block}})"),
    ]) { $1 }
    return try Template("kernels/binary_conv_lut.c").render(values)
  }
}
