/// C for a fused BiDense convolution: DAB, bit-packed exact convolution, folded BatchNorm,
/// bypass and epilogue in one function.
enum BinaryConvEmitter {
  static func emit(_ kernel: Kernel, _ packed: PackedBinaryConv, _ context: inout EmitContext)
    throws -> KernelCode
  {
    let fn = context.functionName
    let base = context.symbolBase
    let graph = context.graph
    let inShape = packed.inShape
    let outShape = packed.outShape
    let w = packed.window

    let dab = context.pool.floats(
      "\(base)_dab", packed.binarizer.alpha + packed.binarizer.k + packed.binarizer.b,
      comment: "\(kernel.name): DAB alpha[\(inShape.channels)], k, b")
    let weightBits = context.pool.bytes(
      "\(base)_bits", packed.weightBits,
      comment: "\(kernel.name): weight signs, [out][tap][byte], bit 1 = +1")
    let multiplier = context.pool.floats(
      "\(base)_mul", packed.multiplier, comment: "\(kernel.name): a * BN scale per output")
    let offset = context.pool.floats(
      "\(base)_add", packed.offset, comment: "\(kernel.name): bias and BN shift per output")
    var inputScale = ""
    if let scales = packed.inputScale {
      let symbol = context.pool.floats(
        "\(base)_wscale", scales, comment: "\(kernel.name): weight scale per input channel")
      inputScale = " * \(symbol)[g * \(packed.inPerGroup) + c]"
    }

    // Scratch: activation bits, then the scales, then the tables.
    let bitBytes = inShape.pixels * packed.bytesPerPixel
    let scaleOffset = align16(bitBytes)
    let tableOffset = align16(scaleOffset + 4 * inShape.channels)
    let tableFloats = packed.groups * packed.bytesPerGroup * packed.tableEntries
    let carryOffset = align16(tableOffset + 4 * tableFloats)
    let scratch = carryOffset + (kernel.producesChannelSums ? 4 * outShape.channels : 0)

    var bypassSource = ""
    var bypass = ""
    if let (plan, source) = packed.bypass {
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
        values["description"] =
          "AvgPool2d(\(pool.kernelH)x\(pool.kernelW), stride \(pool.strideH), pad \(pool.padH))"
        values.merge(windowValues(pool, prefix: "pool")) { $1 }
        flags["pool"] = true
      }
      bypassSource = try Template("kernels/bypass_source.c").render(values, flags: flags)
      bypass = try Template("kernels/bypass.c").render([
        "fn": fn, "copies": "\(plan.copies)", "sourceChannels": CText.bypassSources(plan),
      ])
    }
    let epilogue = Epilogue.statements(
      kernel, graph, pool: &context.pool, symbolBase: base,
      indent: String(repeating: " ", count: 16))

    let kind = packed.transposed ? "BiDenseConvTranspose2d" : "BiDenseConv2d"
    let title =
      "\(CText.comment(kernel.name)): \(kind) \(inShape) -> \(outShape), "
      + "\(w), groups \(packed.groups)"
      + (packed.bypass == nil ? "" : ", bypass")
    let values: [String: String] = [
      "title": title, "fn": fn, "dab": dab, "weightBits": weightBits, "multiplier": multiplier,
      "offset": offset, "inputScale": inputScale, "bypassSource": bypassSource, "bypass": bypass,
      "epilogue": epilogue,
      "inChannels": "\(inShape.channels)", "twoInChannels": "\(2 * inShape.channels)",
      "inHeight": "\(inShape.height)", "inWidth": "\(inShape.width)",
      "inPixels": "\(inShape.pixels)", "inPixelsFloat": CText.float(Float(inShape.pixels)),
      "outChannels": "\(outShape.channels)", "outHeight": "\(outShape.height)",
      "outWidth": "\(outShape.width)", "outPixels": "\(outShape.pixels)",
      "groups": "\(packed.groups)", "inPerGroup": "\(packed.inPerGroup)",
      "outPerGroup": "\(packed.outPerGroup)", "bytesPerGroup": "\(packed.bytesPerGroup)",
      "bytesPerPixel": "\(packed.bytesPerPixel)", "bitBytes": "\(bitBytes)",
      "tableBits": "\(packed.tableBits)", "entries": "\(packed.tableEntries)",
      "entryMask": "\(packed.tableEntries - 1)",
      "groupTableStride": "\(packed.bytesPerGroup * packed.tableEntries)",
      "weightStride": "\(w.taps * packed.bytesPerGroup)", "taps": "\(w.taps)",
      "scaleOffset": "\(scaleOffset)", "tableOffset": "\(tableOffset)",
      "carryOffset": "\(carryOffset)", "inCount": "\(inShape.count)",
      "outCount": "\(outShape.count)",
    ]
    let text = try Template("kernels/binary_conv.c").render(
      values.merging(windowValues(w)) { $1 },
      flags: [
        "transposed": packed.transposed, "readsSums": kernel.readsChannelSums,
        "producesSums": kernel.producesChannelSums,
      ])
    return KernelCode(text: text, scratchBytes: scratch)
  }

  static func align16(_ n: Int) -> Int { (n + 15) / 16 * 16 }
}
