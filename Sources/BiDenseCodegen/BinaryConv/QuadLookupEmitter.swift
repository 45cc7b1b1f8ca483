import BiDenseIR
import BiDensePasses

/// C for the LUT-4 kernel (`QuadLookupKernel`).
enum QuadLookupEmitter {
  static func emit(_ k: QuadLookupKernel, _ context: KernelContext) throws -> String {
    let g = k.geometry
    let window = g.window
    let block = QuadLookupKernel.block
    var values = try BinaryConvEmitter.sharedValues(g, context)
    values["mergesBypass"] = .bool(k.mergesBypass)
    values["mergedOffset"] = .int(k.mergedOffset)
    values["bypassInput"] = k.mergesBypass ? "merged" : "x"
    // The channel sums' lanes and the DAB call, the same on both paths.
    values["dabCall"] = .fragment(try Template.part("kernels/binary_conv_lut_dab_call.c"))
    var store = values
    if k.mergesBypass {
      // The store reads output channel o's mean, made by the DAB, as a copy.
      store.merge(["copiesOnly": true, "identityBypass": true]) { $1 }
    }
    values["store"] = try BinaryConvEmitter.storeFunction(
      g, store, block: max(block, k.tiles?.strip ?? 0), context)
    values["dabFunction"] = try BinaryConvEmitter.dabFunction(
      g, k.dab, context, mergesBypass: k.mergesBypass)
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
    if let tiles = k.tiles { values["tiles"] = .text(try tilesPath(k, tiles, values, context)) }
    values["hasTiles"] = .bool(k.tiles != nil)
    return try Template("kernels/binary_conv_lut.c").render(values)
  }

  /// The AVX-512 path (kernels/binary_conv_lut512.c): its own DAB, planes and blocking
  /// (`QuadLookupTiles`), the store shared with the portable path.
  static func tilesPath(
    _ k: QuadLookupKernel, _ t: QuadLookupTiles, _ shared: [String: TemplateValue],
    _ context: KernelContext
  ) throws -> String {
    var values = shared
    values["dabFunction"] = try BinaryConvEmitter.dabFunction(
      k.geometry, t.dab(k.geometry), context, mergesBypass: k.mergesBypass)
    values.merge([
      "tile": .int(t.tile), "vectors": .int(t.vectors), "outputs": .int(QuadLookupTiles.outputs),
      "chunk": .int(t.chunk), "tableWidth": .int(t.tableWidth), "strip": .int(t.strip),
      "tableTaps": .int(t.tableTaps), "tapsPerTable": .int(t.tapsPerTable),
      "tapShift": .int(t.tapShift), "planeSize": .int(t.planeHeight * t.planeWidth),
      "planeWidth": .int(t.planeWidth), "rows": .int(t.rows), "positions": .int(t.positions),
      "rowStep": .int(t.rowStep), "kernelRowStep": .int(t.kernelRowStep),
      "reach": .int(t.reach), "paddedOutChannels": .int(t.paddedOutChannels),
      "quads": .int(k.quads), "halfQuads": .int(k.quads / 2), "pairs": .bool(t.pairs),
      "flat": .bool(t.flat),
      "reuse": .bool(t.reuse), "gaps": .bool(t.gaps),
      "scaleOffset": .int(t.scaleOffset), "tableOffset": .int(t.tableOffset),
      "accOffset": .int(t.accumulatorOffset), "lanesOffset": .int(t.lanesOffset),
      "storeStrip": .fragment(try Template.part("kernels/binary_conv_lut512_store.c")),
    ]) { $1 }
    values.merge(
      accumulators(
        nibbleBytes: k.nibbleBytes, strip: t.strip, tableWidth: t.tableWidth,
        vectors: t.vectors
      ).mapValues { .text($0) }
    ) { $1 }
    return try Template("kernels/binary_conv_lut512.c").render(values)
  }

  /// The AVX-512 block's statements over its outputs × vectors sums, written out one register
  /// a name: compilers keep named vectors in registers where an array of them may stay in
  /// memory.
  static func accumulators(nibbleBytes: Int, strip: Int, tableWidth: Int, vectors: Int)
    -> [String: String]
  {
    let outputs = QuadLookupTiles.outputs
    func name(_ r: Int, _ v: Int) -> String { "s\(r)_\(v)" }
    func at(_ base: String, _ offset: Int) -> String { offset == 0 ? base : "\(base) + \(offset)" }
    var names: [String] = []
    var zero = ""
    var load = ""
    var save = ""
    var pairs = ""
    var singles = ""
    let indent = "            "
    for r in 0..<outputs {
      for v in 0..<vectors {
        names.append(name(r, v))
        zero += "        \(name(r, v)) = _mm512_setzero_ps();\n"
        load += "        \(name(r, v)) = _mm512_load_ps(\(at("acc", r * strip + 16 * v)));\n"
        save += "    _mm512_store_ps(\(at("acc", r * strip + 16 * v)), \(name(r, v)));\n"
      }
      pairs += indent + "{\n"
      pairs += indent + "    const unsigned byte = wj[\(r * nibbleBytes)];\n"
      pairs += indent + "    const float *e0 = u0 + (byte & 15u) * \(tableWidth);\n"
      pairs += indent + "    const float *e1 = u1 + (byte >> 4) * \(tableWidth);\n"
      singles += indent + "{\n"
      singles +=
        indent
        + "    const float *e0 = u0 + (wj[\(r * nibbleBytes)] >> shift & 15u) * \(tableWidth);\n"
      for v in 0..<vectors {
        let s = name(r, v)
        pairs += indent + "    \(s) = _mm512_add_ps(\(s), _mm512_loadu_ps(\(at("e0", 16 * v))));\n"
        pairs += indent + "    \(s) = _mm512_add_ps(\(s), _mm512_loadu_ps(\(at("e1", 16 * v))));\n"
        singles +=
          indent + "    \(s) = _mm512_add_ps(\(s), _mm512_loadu_ps(\(at("e0", 16 * v))));\n"
      }
      pairs += indent + "}\n"
      singles += indent + "}\n"
    }
    return [
      "names": names.joined(separator: ", "), "zero": zero, "load": load, "save": save,
      "addPairs": pairs, "addSingles": singles,
    ]
  }
}
