/// C for a fused BiDense convolution: DAB, exact binary convolution, folded BatchNorm, bypass
/// and epilogue in one function. The kernel variant is chosen per layer; all share the
/// values made here.
enum BinaryConvEmitter {
  static func emit(_ kernel: Kernel, _ fused: FusedBinaryConv, _ context: inout EmitContext)
    throws -> KernelCode
  {
    let packed = PackedBinaryConv(fused, in: context.graph)
    switch context.kernels {
    case .float32Baseline:
      return try FloatBaselineConvEmitter.emit(kernel, packed, &context)
    case .exact:
      return try emitTableKernel(kernel, packed, &context)
    }
  }

  /// The template values and flags every binary convolution kernel uses: names, shapes, the
  /// window, DAB parameters, the folded BatchNorm, the bypass and the epilogue (whose store
  /// sits `bodyIndent` spaces deep).
  static func sharedValues(
    _ kernel: Kernel, _ packed: PackedBinaryConv, _ context: inout EmitContext, bodyIndent: Int,
    withWeightScale: Bool = true
  ) throws -> (values: [String: String], flags: [String: Bool]) {
    let fn = context.functionName
    let base = context.symbolBase
    let inShape = packed.inShape
    let outShape = packed.outShape
    let kind = packed.transposed ? "BiDenseConvTranspose2d" : "BiDenseConv2d"
    var values = windowValues(packed.window)
    values.merge([
      "fn": fn,
      "title":
        "\(CText.comment(kernel.name)): \(kind) \(inShape) -> \(outShape), \(packed.window), "
        + "groups \(packed.groups)" + (packed.bypass == nil ? "" : ", bypass"),
      "inChannels": "\(inShape.channels)", "twoInChannels": "\(2 * inShape.channels)",
      "inHeight": "\(inShape.height)", "inWidth": "\(inShape.width)",
      "inPixels": "\(inShape.pixels)", "inPixelsFloat": CText.float(Float(inShape.pixels)),
      "inCount": "\(inShape.count)", "outChannels": "\(outShape.channels)",
      "outHeight": "\(outShape.height)", "outWidth": "\(outShape.width)",
      "outPixels": "\(outShape.pixels)", "outCount": "\(outShape.count)",
      "groups": "\(packed.groups)", "inPerGroup": "\(packed.inPerGroup)",
      "outPerGroup": "\(packed.outPerGroup)",
    ]) { $1 }
    values["dab"] = context.pool.floats(
      "\(base)_dab", packed.binarizer.alpha + packed.binarizer.k + packed.binarizer.b,
      comment: "\(kernel.name): DAB alpha[\(inShape.channels)], k, b")
    values["multiplier"] = context.pool.floats(
      "\(base)_mul", withWeightScale ? packed.multiplier : packed.batchNormScale,
      comment: "\(kernel.name): " + (withWeightScale ? "a * " : "") + "BN scale per output")
    values["offset"] = context.pool.floats(
      "\(base)_add", packed.offset, comment: "\(kernel.name): bias and BN shift per output")
    values["scaleByWeight"] = ""
    if withWeightScale, packed.transposed {
      // Transposed, the weight scale is per input channel: it joins the DAB scale.
      let symbol = context.pool.floats(
        "\(base)_wscale", packed.weightScale,
        comment: "\(kernel.name): weight scale per input channel")
      values["scaleByWeight"] =
        "    for (int c = 0; c < \(inShape.channels); ++c) scale[c] = scale[c] * \(symbol)[c];\n"
    }
    values["bypassSource"] = ""
    values["bypass"] = ""
    if let (plan, source) = packed.bypass {
      values["bypassSource"] = try bypassSource(source, inShape, fn)
      values["bypass"] = try Template("kernels/bypass.c").render([
        "fn": fn, "copies": "\(plan.copies)", "sourceChannels": CText.bypassSources(plan),
      ]).indented(by: bodyIndent - 16)
    }
    values["epilogue"] = context.epilogue(kernel, indent: bodyIndent)
    let flags = [
      "transposed": packed.transposed, "readsSums": kernel.readsChannelSums,
      "producesSums": kernel.producesChannelSums,
    ]
    return (values, flags)
  }

  /// The function that reads the bypass's source channel at an output pixel.
  static func bypassSource(
    _ source: FusedBinaryConv.BypassSource, _ inShape: TensorShape, _ fn: String
  ) throws -> String {
    var values = [
      "fn": fn, "inPixels": "\(inShape.pixels)", "inWidth": "\(inShape.width)",
      "inHeight": "\(inShape.height)", "description": "", "scale": "",
    ]
    var flags = ["direct": false, "nearest": false, "pool": false]
    switch source {
    case .input:
      values["description"] = "the value"
      flags["direct"] = true
    case .upsampleNearest(let scale):
      values["description"] = "nearest upsampling by \(scale)"
      values["scale"] = "\(scale)"
      flags["nearest"] = true
    case .avgPool(let pool):
      values["description"] = "AvgPool2d(\(pool))"
      values.merge(windowValues(pool, prefix: "pool")) { $1 }
      flags["pool"] = true
    }
    return try Template("kernels/bypass_source.c").render(values, flags: flags)
  }

  /// The general exact kernel: activation bits packed along channels, and per byte of
  /// agreement bits a lookup in a table of the 256 signed sums of the DAB scales.
  static func emitTableKernel(
    _ kernel: Kernel, _ packed: PackedBinaryConv, _ context: inout EmitContext
  ) throws -> KernelCode {
    var (values, flags) = try sharedValues(kernel, packed, &context, bodyIndent: 16)
    let bytesPerGroup = (packed.inPerGroup + 7) / 8
    let tableBits = min(8, packed.inPerGroup)
    let entries = 1 << tableBits
    let bytesPerPixel = packed.groups * bytesPerGroup
    values["weightBits"] = context.pool.bytes(
      "\(context.symbolBase)_bits", packed.bytesAlongChannels(),
      comment: "\(kernel.name): weight signs, [out][tap][byte], bit 1 = +1")
    // Scratch: activation bits, then the scales, the tables and the producer's sum carries.
    let bitBytes = packed.inShape.pixels * bytesPerPixel
    let scaleOffset = align16(bitBytes)
    let tableOffset = align16(scaleOffset + 4 * packed.inShape.channels)
    let carryOffset = align16(tableOffset + 4 * packed.groups * bytesPerGroup * entries)
    let scratch = carryOffset + (kernel.producesChannelSums ? 4 * packed.outShape.channels : 0)
    values.merge([
      "bytesPerGroup": "\(bytesPerGroup)", "bytesPerPixel": "\(bytesPerPixel)",
      "bitBytes": "\(bitBytes)", "tableBits": "\(tableBits)", "entries": "\(entries)",
      "entryMask": "\(entries - 1)", "groupTableStride": "\(bytesPerGroup * entries)",
      "weightStride": "\(packed.window.taps * bytesPerGroup)",
      "scaleOffset": "\(scaleOffset)", "tableOffset": "\(tableOffset)",
      "carryOffset": "\(carryOffset)",
    ]) { $1 }
    let text = try Template("kernels/binary_conv.c").render(values, flags: flags)
    return KernelCode(text: text, scratchBytes: scratch)
  }

  static func align16(_ n: Int) -> Int { (n + 15) / 16 * 16 }
}

extension String {
  /// Every non-empty line moved right by `spaces` (left when negative).
  func indented(by spaces: Int) -> String {
    guard spaces != 0 else { return self }
    return split(separator: "\n", omittingEmptySubsequences: false).map { line in
      if line.isEmpty { return String(line) }
      if spaces > 0 { return String(repeating: " ", count: spaces) + line }
      return String(line.dropFirst(min(-spaces, line.prefix { $0 == " " }.count)))
    }.joined(separator: "\n")
  }
}
