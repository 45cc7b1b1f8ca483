import BiDenseIR
import BiDensePasses

/// C for the bit-sliced depthwise kernel (`DepthwiseBitsKernel`).
enum DepthwiseBitsEmitter {
  static func emit(_ k: DepthwiseBitsKernel, _ context: KernelContext) throws -> String {
    let g = k.geometry
    let channels = g.inShape.channels
    var values = try BinaryConvEmitter.sharedValues(g, context)
    values["dabFunction"] = try BinaryConvEmitter.dabFunction(g, k.dab, context)
    let partialWord = k.partialLastWord
    let wordChannels = k.wordChannels
    // One quad per word: its counts need no shift.
    let single = !partialWord && wordChannels <= 4
    let shift = single ? "" : " >> {{$g}}"
    let terms = (0..<DepthwiseBitsKernel.countBits).map { "spread[c\($0)\(shift) & 15u]" }
    let quad =
      "\(terms[0]) | \(terms[1]) << 1\n    | \(terms[2]) << 2 | \(terms[3]) << 3\n"
      + "    | \(terms[4]) << 4 | \(terms[5]) << 5"
    // Whole quads unroll their four stores; otherwise a loop over the quad's channels.
    let stores: TemplateValue =
      k.wholeQuads
      ? .fragment(laneStores(g, context))
      : .scoped(
        try Template.part("kernels/depthwise_bits_lanes.c"),
        [
          "channelsInWord": .text(partialWord ? "count" : "\(wordChannels)"),
          "laneEpilogue": context.epilogue(indent: 4),
        ])
    let quadValues: [String: TemplateValue] = ["quad": .fragment(quad), "stores": stores]
    values.merge([
      "weights": context.symbol(.weights), "spread": context.symbol(.nibbleSpread),
      "scaleOffset": .int(k.scaleOffset), "words": .int(k.words),
      "lastWordChannels": .int(k.lastWordChannels), "partialWord": .bool(partialWord),
      "wordChannels": .int(wordChannels),
      "planeWidth": .named("PLANE_WIDTH", k.planes.planeWidth),
      "rowAdd": .scoped(
        try Template.part("kernels/depthwise_bits_row.c"),
        ["adders": .text(rowAdd(k, g.window))]),
      "quadStores": .scoped(
        try Template.part("kernels/depthwise_bits_quad.c"), quadValues),
    ]) { $1 }
    return try Template("kernels/binary_conv_depthwise_bits.c").render(values)
  }

  /// The four stores of a quad of channels, unrolled: channel o takes byte l of `q`.
  static func laneStores(_ g: BinaryConvGeometry, _ context: KernelContext) -> String {
    guard case .fragment(let epilogue) = context.epilogue(indent: 4) else { return "" }
    return (0..<4).map { l in
      let byte = l == 0 ? "q & 255u" : l == 3 ? "q >> 24" : "q >> \(8 * l) & 255u"
      var lines = "{\n    const int o = {{$u * 32 + $g + \(l)}};\n"
      lines += "    const float sum = (float)(2 * (int)(\(byte)) - valid) * scale[o];\n"
      lines += "    float v = sum * {{multiplier}}[o] + {{offset}}[o];\n"
      if g.bypass != nil { lines += "    v += xs[{{($g + \(l)) * inPixels}}];\n" }
      return lines + epilogue + "    ys[{{($g + \(l)) * outPixels}}] = v;\n}"
    }.joined(separator: "\n")
  }

  /// One kernel row's agreement words, masked at the border, added into the counters by the
  /// layout's carry-save adders.
  static func rowAdd(_ k: DepthwiseBitsKernel, _ w: Window) -> String {
    var lines = (0..<w.kernelW).map { j in
      "const uint32_t a\(j) = (r[\(j * w.dilationW * k.words)] ^ wr[\(j * k.words)]) & m[\(j)];"
    }
    func name(_ term: CountTerm) -> String {
      switch term {
      case .counter(let n): return "c\(n)"
      case .agreement(let n): return "a\(n)"
      case .temporary(let n): return "t\(n)"
      }
    }
    for step in k.rowAdder {
      switch step {
      case .full(let a, let b, let c, let partial, let sum, let carry):
        let (a, b, c) = (name(a), name(b), name(c))
        lines.append("const uint32_t t\(partial) = \(a) ^ \(b);")
        lines.append("const uint32_t t\(sum) = t\(partial) ^ \(c);")
        if let carry {
          lines.append("const uint32_t t\(carry) = (\(a) & \(b)) | (t\(partial) & \(c));")
        }
      case .half(let a, let b, let sum, let carry):
        let (a, b) = (name(a), name(b))
        lines.append("const uint32_t t\(sum) = \(a) ^ \(b);")
        if let carry { lines.append("const uint32_t t\(carry) = \(a) & \(b);") }
      case .result(let counter, let term):
        lines.append("c\(counter) = \(name(term));")
      }
    }
    return lines.joined(separator: "\n")
  }
}
