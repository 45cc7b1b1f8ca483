import BiDenseIR
import BiDensePasses
import BiDenseTemplates

/// C for a fused BiDense convolution: DAB, exact binary convolution, folded BatchNorm, bypass
/// and epilogue in one function. The kernel variant is chosen per layer; all share the
/// values made here.
enum BinaryConvEmitter {
  static func emit(_ kernel: Kernel, _ fused: FusedBinaryConv, _ context: inout EmitContext)
    throws -> KernelCode
  {
    let packed = PackedBinaryConv(fused, in: context.graph)
    if context.kernels == .float32Baseline {
      return try FloatBaselineConvEmitter.emit(kernel, packed, &context)
    }
    if packed.binarizer.layerScale {
      return try XnorPopcountKernel.emit(kernel, packed, &context)
    }
    if packed.isDepthwise {
      return try DepthwiseKernel.emit(kernel, packed, &context)
    }
    // LUT-4 needs vector registers to pay for its tables; a 32-bit core without them does
    // better with the byte tables' lookups.
    if packed.groups == 1 && !packed.transposed && context.wordBits == 64 {
      return try QuadLookupKernel.emit(kernel, packed, &context)
    }
    return try ByteTableKernel.emit(kernel, packed, &context)
  }

  /// Where the DAB puts its signs.
  enum DABOutput {
    /// int8 ±1 in planes of `height` × `width` with a zero border: `top` rows above, `left`
    /// columns before, and `planeHeight` × `planeWidth` in all.
    case signs(height: Int, width: Int, top: Int, left: Int, planeHeight: Int, planeWidth: Int)
    /// Floats ±s, one plane per channel.
    case floats
    /// Bits packed along channels into `unit` words of `unitBits`, `unitsPerGroup` per group
    /// of channels per pixel.
    case bits(unit: String, unitBits: Int, unitsPerGroup: Int)
  }

  /// The kernel's DAB: channel means (or the producer's sums), thresholds, scales, signs.
  static func dabFunction(
    _ kernel: Kernel, _ packed: PackedBinaryConv, _ output: DABOutput,
    _ context: inout EmitContext
  ) throws -> String {
    context.usesCompensatedSums = true
    let inShape = packed.inShape
    var values: [String: String] = [
      "fn": context.functionName, "fnComment": CText.comment(kernel.name),
      "prefix": context.pool.prefix, "inChannels": "\(inShape.channels)",
      "twoInChannels": "\(2 * inShape.channels)", "inPixels": "\(inShape.pixels)",
      "inPixelsFloat": CText.float(Float(inShape.pixels)), "inCount": "\(inShape.count)",
      "dab": try dabParameters(kernel, packed, &context),
    ]
    var flags = [
      "readsSums": kernel.readsChannelSums, "signs": false, "floats": false,
      "bits": false,
    ]
    switch output {
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
    case .bits(let unit, let unitBits, let unitsPerGroup):
      let unitsPerPixel = packed.groups * unitsPerGroup
      values.merge([
        "outType": unit, "outCount": "\(inShape.pixels * unitsPerPixel)",
        "inPerGroup": "\(packed.inPerGroup)", "unitsPerGroup": "\(unitsPerGroup)",
        "unitsPerPixel": "\(unitsPerPixel)", "unitBits": "\(unitBits)",
        "layout":
          "Bits packed along channels, \(unitsPerGroup) \(unitBits)-bit word(s) per group of "
          + "\(packed.inPerGroup) channel(s) per pixel.",
      ]) { $1 }
      flags["bits"] = true
    }
    return try Template("kernels/dab.c").render(values, flags: flags)
  }

  /// The DAB's alpha, k and b, one array per kernel.
  static func dabParameters(
    _ kernel: Kernel, _ packed: PackedBinaryConv, _ context: inout EmitContext
  ) -> String {
    context.pool.floats(
      "\(context.symbolBase)_dab", packed.binarizer.alpha + packed.binarizer.k + packed.binarizer.b,
      comment: "\(kernel.name): DAB alpha[\(packed.inShape.channels)], k, b")
  }

  /// The template values and flags every binary convolution kernel uses: names, shapes, the
  /// window and the folded BatchNorm (with the weight scale, unless the kernel's weights carry
  /// it as ±a).
  static func sharedValues(
    _ kernel: Kernel, _ packed: PackedBinaryConv, _ context: inout EmitContext,
    withWeightScale: Bool = true
  ) throws -> (values: [String: String], flags: [String: Bool]) {
    let base = context.symbolBase
    let inShape = packed.inShape
    let outShape = packed.outShape
    let kind = packed.transposed ? "BiDenseConvTranspose2d" : "BiDenseConv2d"
    var values = windowValues(packed.window)
    values.merge([
      "fn": context.functionName, "prefix": context.pool.prefix,
      "title":
        "\(CText.comment(kernel.name)): \(kind) \(inShape) -> \(outShape), \(packed.window), "
        + "groups \(packed.groups)" + (packed.bypass == nil ? "" : ", bypass"),
      "inChannels": "\(inShape.channels)", "inHeight": "\(inShape.height)",
      "inWidth": "\(inShape.width)", "inPixels": "\(inShape.pixels)",
      "outChannels": "\(outShape.channels)", "outHeight": "\(outShape.height)",
      "outWidth": "\(outShape.width)", "outPixels": "\(outShape.pixels)",
      "outCount": "\(outShape.count)", "groups": "\(packed.groups)",
      "inPerGroup": "\(packed.inPerGroup)", "outPerGroup": "\(packed.outPerGroup)",
      "lanes": "\(context.compensatedLanes)",
    ]) { $1 }
    // The DAB's parameters first: each kernel's arrays in the weights file start with them.
    _ = dabParameters(kernel, packed, &context)
    values["multiplier"] = context.pool.floats(
      "\(base)_mul", withWeightScale ? packed.multiplier : packed.batchNormScale,
      comment: "\(kernel.name): " + (withWeightScale ? "a * " : "") + "BN scale per output")
    values["offset"] = context.pool.floats(
      "\(base)_add", packed.offset, comment: "\(kernel.name): bias and BN shift per output")
    let flags = [
      "transposed": packed.transposed, "readsSums": kernel.readsChannelSums,
      "producesSums": kernel.producesChannelSums,
    ]
    return (values, flags)
  }

  /// For kernels that store one output at a time: the bypass (its source function and the
  /// statements adding it to `v`) and the epilogue, at `indent` spaces.
  static func pixelStoreValues(
    _ kernel: Kernel, _ packed: PackedBinaryConv, _ context: inout EmitContext, indent: Int
  ) throws -> [String: String] {
    var values = ["bypassSource": "", "bypass": ""]
    if let (plan, source) = packed.bypass {
      values["bypassSource"] = try bypassSource(source, packed.inShape, context.functionName)
      values["bypass"] = try pixelBypass(plan, context.functionName, indent: indent)
    }
    values["epilogue"] = context.epilogue(kernel, indent: indent)
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
    _ kernel: Kernel, _ packed: PackedBinaryConv, _ values: [String: String],
    _ flags: [String: Bool], block: Int, _ context: inout EmitContext
  ) throws -> String {
    var storeValues = values
    storeValues["storeBlock"] = "\(block)"
    storeValues["epilogue"] = context.epilogue(kernel, indent: 8)
    storeValues["lanesParameter"] = kernel.producesChannelSums ? ", float *lanes" : ""
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
        storeValues["bypass"] = try pixelBypass(plan, context.functionName, indent: 8)
        sourceFunction = try bypassSource(source, packed.inShape, context.functionName)
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
