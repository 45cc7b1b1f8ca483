import BiDenseIR
import BiDensePasses

/// The pieces of C every fused BiDense convolution shares: the DAB, the store of a block of
/// outputs (folded BatchNorm, bypass, epilogue, channel sums) and the bypass's source.
enum BinaryConvEmitter {
  /// The kernel's DAB: channel means (or the producer's sums), thresholds, scales, signs.
  static func dabFunction(_ g: BinaryConvGeometry, _ layout: DABLayout, _ context: KernelContext)
    throws -> String
  {
    let inShape = g.inShape
    var values: [String: String] = [
      "fn": context.function, "fnComment": CText.comment(context.name),
      "prefix": context.prefix, "inChannels": "\(inShape.channels)",
      "twoInChannels": "\(2 * inShape.channels)", "inPixels": "\(inShape.pixels)",
      "inPixelsFloat": CText.float(Float(inShape.pixels)), "inCount": "\(inShape.count)",
      "dab": context.symbol(.dabParameters),
    ]
    var flags = [
      "readsSums": g.readsChannelSums, "signs": false, "floats": false, "bits": false,
    ]
    switch layout {
    case .signs(let height, let width, let top, let left, let planeHeight, let planeWidth):
      values.merge([
        "outType": "int8_t", "outCount": "\(inShape.channels * planeHeight * planeWidth)",
        "planeSize": "\(planeHeight * planeWidth)", "paddedWidth": "\(planeWidth)",
        "padTop": "\(top)", "padLeft": "\(left)", "inHeight": "\(height)",
        "inWidth": "\(width)",
        "layout": "Signs: int8 planes of \(planeHeight)x\(planeWidth), zero outside the input.",
      ]) { $1 }
      flags["signs"] = true
    case .floats:
      values.merge(["outType": "float", "layout": "Out: v = +-s as floats, a plane per channel."]) {
        $1
      }
      flags["floats"] = true
    case .bits(let unitBits, let unitsPerGroup):
      let unitsPerPixel = g.groups * unitsPerGroup
      values.merge([
        "outType": "uint\(unitBits)_t", "outCount": "\(inShape.pixels * unitsPerPixel)",
        "inPerGroup": "\(g.inPerGroup)", "unitsPerGroup": "\(unitsPerGroup)",
        "unitsPerPixel": "\(unitsPerPixel)", "unitBits": "\(unitBits)",
        "layout":
          "Bits packed along channels, \(unitsPerGroup) \(unitBits)-bit word(s) per group of "
          + "\(g.inPerGroup) channel(s) per pixel.",
      ]) { $1 }
      flags["bits"] = true
    }
    return try Template("kernels/dab.c").render(values, flags: flags)
  }

  /// The template values and flags every binary convolution kernel uses: names, shapes, the
  /// window and the folded BatchNorm (with the weight scale, unless the kernel's weights carry
  /// it as ±a).
  static func sharedValues(_ packed: BinaryConvGeometry, _ context: KernelContext)
    -> (values: [String: String], flags: [String: Bool])
  {
    let inShape = packed.inShape
    let outShape = packed.outShape
    let kind = packed.transposed ? "BiDenseConvTranspose2d" : "BiDenseConv2d"
    var values = windowValues(packed.window)
    values.merge([
      "fn": context.function, "prefix": context.prefix,
      "title":
        "\(CText.comment(context.name)): \(kind) \(inShape) -> \(outShape), \(packed.window), "
        + "groups \(packed.groups)" + (packed.bypass == nil ? "" : ", bypass"),
      "inChannels": "\(inShape.channels)", "inHeight": "\(inShape.height)",
      "inWidth": "\(inShape.width)", "inPixels": "\(inShape.pixels)",
      "outChannels": "\(outShape.channels)", "outHeight": "\(outShape.height)",
      "outWidth": "\(outShape.width)", "outPixels": "\(outShape.pixels)",
      "outCount": "\(outShape.count)", "groups": "\(packed.groups)",
      "inPerGroup": "\(packed.inPerGroup)", "outPerGroup": "\(packed.outPerGroup)",
      "lanes": "\(context.compensatedLanes)",
      "multiplier": context.symbol(.multiplier), "offset": context.symbol(.offset),
    ]) { $1 }
    let flags = [
      "transposed": packed.transposed, "readsSums": packed.readsChannelSums,
      "producesSums": packed.producesChannelSums,
    ]
    return (values, flags)
  }

  /// For kernels that store one output at a time: the bypass (its source function and the
  /// statements adding it to `v`) and the epilogue, at `indent` spaces.
  static func pixelStoreValues(
    _ packed: BinaryConvGeometry, _ context: KernelContext, indent: Int
  ) throws -> [String: String] {
    var values = ["bypassSource": "", "bypass": ""]
    if let (plan, source) = packed.bypass {
      values["bypassSource"] = try bypassSource(source, packed.inShape, context.function)
      values["bypass"] = try pixelBypass(plan, context.function, indent: indent)
    }
    values["epilogue"] = context.epilogue(indent: indent)
    return values
  }

  /// The statements adding the bypass of output channel `o` at pixel (oy, ox) to `v`.
  static func pixelBypass(_ plan: ChannelBypassPlan, _ fn: String, indent: Int) throws -> String {
    try Template("kernels/bypass.c").render([
      "fn": fn, "copies": "\(plan.copies)", "sourceChannels": CText.bypassSources(plan),
    ]).indented(by: indent - 16)
  }

  /// The kernel's `_store` function (kernels/store.c): folded BatchNorm, bypass, epilogue and
  /// the producer's channel sums for runs of up to `block` output pixels of one channel.
  /// `values` and `flags` are the kernel's shared ones.
  static func storeFunction(
    _ packed: BinaryConvGeometry, _ values: [String: String], _ flags: [String: Bool],
    block: Int, _ context: KernelContext
  ) throws -> String {
    var storeValues = values
    storeValues["storeBlock"] = "\(block)"
    storeValues["epilogue"] = context.epilogue(indent: 8)
    storeValues["lanesParameter"] = packed.producesChannelSums ? ", float *lanes" : ""
    var storeFlags = flags
    storeFlags["directBypass"] = false
    storeFlags["pixelBypass"] = false
    storeValues["bypass"] = ""
    var sourceFunction = ""
    if let (plan, source) = packed.bypass {
      storeValues["copies"] = "\(plan.copies)"
      storeValues["sourceChannels"] = CText.bypassSources(plan)
      if case .input = source {
        // Read as rows of the input, no per-pixel function.
        storeFlags["directBypass"] = true
      } else {
        storeFlags["pixelBypass"] = true
        storeValues["bypass"] = try pixelBypass(plan, context.function, indent: 8)
        sourceFunction = try bypassSource(source, packed.inShape, context.function)
      }
    }
    return try sourceFunction
      + Template("kernels/store.c").render(storeValues, flags: storeFlags)
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
