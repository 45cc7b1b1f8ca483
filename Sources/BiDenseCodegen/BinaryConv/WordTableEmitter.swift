import BiDenseIR
import BiDensePasses

/// C for the 32-bit byte-table kernel on units (`WordTableKernel`): the layout decides the
/// units, the table pointers, the looped units and the border; this renders them, the taps
/// unrolled with literal offsets.
enum WordTableEmitter {
  static func emit(_ k: WordTableKernel, _ context: KernelContext) throws -> String {
    let g = k.geometry
    let w = g.window
    let units = k.units
    let unit = "uint\(units.bits)_t"
    var values = try BinaryConvEmitter.sharedValues(g, context)
    values["dabFunction"] = try BinaryConvEmitter.dabFunction(g, k.dab, context)
    values["bypassRowFunction"] = ""
    if k.bypass == .sourceRows, let (_, source) = g.bypass {
      values["bypassRowFunction"] = try BinaryConvEmitter.bypassRowFunction(
        source, g, context, poolColumns: k.poolColumns)
    }
    values.merge([
      "inputRows": .bool(k.bypass == .input), "tapPixel": .bool(k.bypass == .tapPixel),
      "sourceRows": .bool(k.bypass == .sourceRows), "fusedStore": .bool(k.fusedStore),
    ]) { $1 }
    // Where padding is taken out, a row of sums goes through the store function; the kernel
    // adds up each channel for the next DAB once it is stored.
    var store = values
    store["epilogue"] = context.epilogue(indent: 8)
    store["copyEpilogue"] = context.epilogue(indent: 12)
    values["store"] = k.fusedStore ? "" : .text(try Template("kernels/store_row.c").render(store))
    let names = units.pointers.enumerated().map { index, pointer in
      index == 0 ? "tg" : pointer.byte.map { "tu\(pointer.unit)b\($0)" } ?? "tu\(pointer.unit)"
    }
    let threeByte = units.bytes.contains(3)
    values.merge([
      "unit": .text(unit), "unitsPerPixel": .int(units.count),
      "unitsText": .text(plural(units.count, "\(units.bits)-bit unit")),
      "tableText":
        .text(
          "per unit, rows of the 256 entries with the unit's bytes side by side"
            + (threeByte ? " (a unit of three bytes: a table per byte)" : "")),
      "tableCalls": .text(tableCalls(context.prefix, units)),
      "groupUnits": .int(k.planes.groupUnits), "groupTableFloats": .int(units.groupTableFloats),
      "planeHeight": .int(k.planes.planeHeight),
      "planeWidth": .named("PLANE_WIDTH", k.planes.planeWidth),
      "weights": context.symbol(.weights),
      "weightScale": g.transposed ? context.symbol(.weightScale) : "",
      "weightStride": .int(w.taps * units.count),
      "scaleOffset": .int(k.scaleOffset), "tableOffset": .int(k.tableOffset),
      "sumRow": .bool(k.sumOffset != nil), "sumOffset": .int(k.sumOffset ?? 0),
      "bypassBuffer": .bool(k.bypassOffset != nil), "bypassOffset": .int(k.bypassOffset ?? 0),
      "padded": .bool(k.padded), "padOffset": .int(k.padOffset ?? 0),
      "borderRows": .bool(k.hasBorderRows),
      "borderColumns": .bool(!k.borderColumns.isEmpty),
      "tablePointers": .text(
        zip(names, units.pointers).dropFirst().map { "const float *\($0) = tg + \($1.offset);" }
          .joined(separator: "\n")),
      "hasTablePointers": .bool(units.pointers.count > 1), "threeByteUnits": .bool(threeByte),
      "bypassRowScale": .int(k.bypass == .tapPixel ? w.strideH : 1),
      "padTap": .text(
        lookups(units, names, x: nil, w: Units("wt", 0), into: "added", first: true)),
      "pixel": .fragment(pixel(k, names)),
      "transposedPixel": .fragment(try transposedPixel(k, names, context)),
      "borderRowTest": .fragment(borderRowTest(k)),
      "columnCorrections": .text(columnCorrections(k)),
    ]) { $1 }
    return try Template("kernels/binary_conv_words.c").render(values)
  }

  /// The unrolled taps of one output pixel: the first lookup sets `acc`.
  static func pixel(_ k: WordTableKernel, _ names: [String]) -> String {
    guard !k.geometry.transposed else { return "" }
    let count = k.units.count
    return k.tapOffsets.enumerated().map { tap, offset in
      lookups(
        k.units, names, x: Units("p", offset), w: Units("w", tap * count), into: "acc",
        first: tap == 0)
    }.joined(separator: "\n")
  }

  /// The outputs of one input pixel of a transposed convolution whose kernel is its stride:
  /// one per kernel column, each one tap.
  static func transposedPixel(
    _ k: WordTableKernel, _ names: [String], _ context: KernelContext
  ) throws -> String {
    let g = k.geometry
    guard g.transposed else { return "" }
    let count = k.units.count
    let stride = g.window.strideW
    guard case .fragment(let epilogue) = context.epilogue(indent: 4) else { return "" }
    var blocks: [String] = []
    for j in 0..<g.window.kernelW {
      let index = "{{$ix * \(stride) + \(j)}}"
      var block = "{\n"
      block +=
        lookups(
          k.units, names, x: Units("p", 0), w: Units("wr", j * count), into: "acc", first: true
        )
        .indented(by: 4) + "\n"
      block += "    float v = acc * m + a;\n"
      switch k.bypass {
      case .none: break
      case .tapPixel: block += "    v += brow[{{$ix}}];\n"
      case .input, .sourceRows: block += "    v += brow[\(index)];\n"
      }
      block += epilogue + "    out[\(index)] = v;\n}"
      blocks.append(block)
    }
    return blocks.joined(separator: "\n")
  }

  /// A tap's units in a C array: `array[base]` on.
  struct Units {
    var array: String
    var base: Int
    init(_ array: String, _ base: Int) {
      self.array = array
      self.base = base
    }
    subscript(u: Int) -> String { "\(array)[\(base + u)]" }
    /// Unit `u` of a C loop.
    var looped: String { base == 0 ? "\(array)[u]" : "\(array)[\(base) + u]" }
  }

  /// The statements adding, for one tap, the table entries of every byte of `x ^ w` to `acc`
  /// (`x` nil: the padding's 0 bits, so `w` alone); with `first`, they declare `acc` and the
  /// first entry sets it.
  static func lookups(
    _ units: ChannelUnits, _ names: [String], x: Units?, w: Units, into acc: String,
    first: Bool
  ) -> String {
    var lines: [String] = []
    var assign = first
    func operand(_ u: Int) -> String { x.map { "\($0[u]) ^ \(w[u])" } ?? w[u] }
    func byte(_ b: Int, top: Bool) -> String {
      b == 0 ? "d & 255u" : top ? "d >> \(8 * b)" : "(d >> \(8 * b)) & 255u"
    }
    func entry(_ table: String, _ offset: Int, _ byte: String, stride: Int) -> String {
      let index = stride == 1 ? byte : "(\(byte)) * \(stride)"
      return "\(table)[\(offset == 0 ? "" : "\(offset) + ")\(index)]"
    }
    if units.looped > 0 {
      // Wide layers: the full units in a loop, their tables 1,024 floats apart.
      if assign { lines.append("float \(acc) = 0.0f;") }
      assign = false
      lines.append("{")
      lines.append("    const float *tu = tg;")
      lines.append("    for (int u = 0; u < \(units.looped); ++u, tu += 1024) {")
      lines.append("        const uint32_t d = \(x.map { "\($0.looped) ^ " } ?? "")\(w.looped);")
      for b in 0..<4 {
        lines.append("        \(acc) += \(entry("tu", b, byte(b, top: b == 3), stride: 4));")
      }
      lines.append("    }")
      lines.append("}")
    }
    for u in units.looped..<units.count {
      let slots = units.slots[u - units.looped]
      if units.bits == 8 {
        // One byte per unit: the agreement byte is the index.
        let slot = slots[0]
        let target = assign ? "float \(acc) =" : "\(acc) +="
        lines.append(
          "\(target) \(entry(names[slot.pointer], slot.offset, operand(u), stride: slot.stride));")
        assign = false
        continue
      }
      let value =
        units.bits == 32 ? operand(u) : x == nil ? "(uint32_t)\(w[u])" : "(uint32_t)(\(operand(u)))"
      if assign { lines.append("float \(acc);") }
      lines.append("{")
      lines.append("    const uint32_t d = \(value);")
      for (b, slot) in slots.enumerated() {
        let index = byte(b, top: b == units.bits / 8 - 1)
        let add = assign ? "=" : "+="
        lines.append(
          "    \(acc) \(add) \(entry(names[slot.pointer], slot.offset, index, stride: slot.stride));"
        )
        assign = false
      }
      lines.append("}")
    }
    return lines.joined(separator: "\n")
  }

  /// The calls building one group's tables (`s` its scales, `t` its tables), a byte of
  /// channels at a time, with the model's builders.
  static func tableCalls(_ prefix: String, _ units: ChannelUnits) -> String {
    units.tables.map { table in
      let s = table.firstChannel == 0 ? "s" : "s + \(table.firstChannel)"
      let t = table.start == 0 ? "t" : "t + \(table.start)"
      return "\(prefix)_byte_table\(table.stride)(\(s), \(table.channels), \(t));"
    }.joined(separator: "\n")
  }

  /// The test that opens the correction of a border row: a row outside the interior (or a
  /// plain block when the only row is one).
  static func borderRowTest(_ k: WordTableKernel) -> String {
    let height = k.geometry.outShape.height
    let rows = k.interiorRows
    if height == 1 { return "{" }
    var tests: [String] = []
    if rows.lowerBound > 0 { tests.append("{{$oy}} < \(rows.lowerBound)") }
    if rows.upperBound < height { tests.append("{{$oy}} >= \(rows.upperBound)") }
    return "if (\(tests.joined(separator: " || "))) {"
  }

  /// Per output column that reaches into the padding, its kernel columns outside the input
  /// taken back out (adjusted in a border row).
  static func columnCorrections(_ k: WordTableKernel) -> String {
    let columns = k.hasBorderRows ? "columns" : "padColumn"
    return k.borderColumns.flatMap { border in
      border.kernelColumns.map { "sum[\(border.column)] -= \(columns)[\($0)];" }
    }.joined(separator: "\n")
  }
}
