import BiDenseIR
import BiDensePasses

/// The pieces of C every fused BiDense convolution shares: the DAB, the store of a block of
/// outputs (folded BatchNorm, bypass, epilogue, channel sums) and the bypass's source.
enum BinaryConvEmitter {
  /// The kernel's DAB: channel means (or the producer's sums), thresholds, scales, signs.
  /// With `mergesBypass` it also writes the bypass's channel means (`QuadLookupKernel`).
  static func dabFunction(
    _ g: BinaryConvGeometry, _ layout: DABLayout, _ context: KernelContext,
    mergesBypass: Bool = false
  ) throws -> TemplateValue {
    let inShape = g.inShape
    var values = KernelContext.sizes(inShape, "in")
    values.merge([
      "fn": .text(context.function), "fnComment": .text(CText.comment(context.name)),
      "prefix": .text(context.prefix), "inCount": .named("IN_COUNT", inShape.count),
      "inPixelsFloat": .text(CText.float(Float(inShape.pixels))),
      "dab": context.symbol(.dabParameters), "readsSums": .bool(g.readsChannelSums),
      "signs": false, "floats": false, "bits": false, "planes": false,
      "PREFIX": .text(context.prefix.uppercased()), "lanes": .int(context.compensatedLanes),
      // The AVX-512 path's lanes (kernels/compensated_sum.c).
      "wide": .bool(context.compensatedLanes == 32), "mergesBypass": .bool(mergesBypass),
    ]) { $1 }
    if mergesBypass, let (plan, _) = g.bypass {
      let regular = plan.stridedMeans * plan.stridedCount
      values.merge([
        "mergeStrided": .int(plan.stridedMeans), "mergeRegular": .int(regular),
        "mergeCountFloat": .text(CText.float(Float(plan.stridedCount))),
        "lastCountFloat": .text(CText.float(Float(inShape.channels - regular))),
      ]) { $1 }
    }
    switch layout {
    case .signs(let height, let width, let top, let left, let planeHeight, let planeWidth):
      values.merge([
        "outType": "int8_t",
        "outCount": .named("SIGN_BYTES", inShape.channels * planeHeight * planeWidth),
        "planeSize": .named("PLANE", planeHeight * planeWidth),
        "planeWidth": .named("PLANE_WIDTH", planeWidth), "padTop": .int(top),
        "padLeft": .int(left), "planeHeight": .int(planeHeight),
        "signHeight": .named("IN_HEIGHT", height),
        "signWidth": .named(height == 1 ? "IN_PIXELS" : "IN_WIDTH", width),
        "layout":
          .text("Signs: int8 planes of \(planeHeight)x\(planeWidth), zero outside the input."),
        "signs": true,
      ]) { $1 }
    case .floats:
      values.merge([
        "outType": "float", "layout": "Out: v = +-s as floats, a plane per channel.",
        "floats": true,
      ]) { $1 }
    case .bits(let unitBits, let unitsPerGroup):
      let unitsPerPixel = g.groups * unitsPerGroup
      values.merge([
        "outType": .text("uint\(unitBits)_t"),
        "outCount": .named("WORDS", inShape.pixels * unitsPerPixel),
        "inPerGroup": .int(g.inPerGroup), "unitsPerGroup": .int(unitsPerGroup),
        "groups": .int(g.groups),
        "unitsPerPixel": .int(unitsPerPixel), "unitBits": .int(unitBits),
        "layout":
          .text(
            "Bits packed along channels, \(plural(unitsPerGroup, "\(unitBits)-bit word")) per "
              + "group of \(plural(g.inPerGroup, "channel")) per pixel."),
        "bits": true,
      ]) { $1 }
    case .bitPlanes(let p):
      // Channel c's unit in its group's plane, and its bit there.
      let group = p.groups > 1 ? "$c / \(p.groupChannels) * \(p.groupUnits) + " : ""
      let channel = p.groups > 1 ? "$c % \(p.groupChannels)" : "$c"
      let start = (p.top * p.planeWidth + p.left) * p.unitsPerPixel
      let unit = p.unitsPerPixel > 1 ? " + \(channel) / \(p.unitBits)" : ""
      let bit = p.unitsPerPixel > 1 ? "\(channel) % \(p.unitBits)" : channel
      values.merge([
        "outType": .text("uint\(p.unitBits)_t"), "outCount": .named("UNITS", p.units),
        "unitsPerPixel": .int(p.unitsPerPixel),
        "planeWidth": .named("PLANE_WIDTH", p.planeWidth),
        "signHeight": p.height == inShape.height ? .named("IN_HEIGHT", p.height) : .int(p.height),
        "signWidth": p.width == inShape.width ? .named("IN_WIDTH", p.width) : .int(p.width),
        "planeDestination": .fragment("out{{+ \(group)\(start)\(unit)}}"),
        "planeBit": .fragment("{{\(bit)}}"),
        "layout":
          .text(
            "Bits packed along channels, \(plural(p.unitsPerPixel, "\(p.unitBits)-bit unit")) "
              + "per pixel\(p.groups > 1 ? " and group, in a plane per group" : ", in a plane") "
              + "of \(p.planeHeight)x\(p.planeWidth) whose border holds 0 bits (the padding)."),
        "planes": true,
      ]) { $1 }
    }
    return .text(try Template("kernels/dab.c").render(values))
  }

  /// The template values every binary convolution kernel uses: names, shapes, the window,
  /// the folded BatchNorm, the bypass and the flags of its channel sums.
  static func sharedValues(_ g: BinaryConvGeometry, _ context: KernelContext) throws
    -> [String: TemplateValue]
  {
    let kind = g.transposed ? "BiDenseConvTranspose2d" : "BiDenseConv2d"
    var values = windowValues(g.window)
    values.merge(KernelContext.sizes(g.inShape, "in")) { $1 }
    values.merge(KernelContext.sizes(g.outShape, "out")) { $1 }
    values.merge([
      "fn": .text(context.function), "prefix": .text(context.prefix),
      "title":
        .text(
          "\(CText.comment(context.name)): \(kind) \(g.inShape) -> \(g.outShape), \(g.window), "
            + "groups \(g.groups)" + (g.bypass == nil ? "" : ", bypass")),
      "outCount": .named("OUT_COUNT", g.outShape.count), "groups": .int(g.groups),
      "inPerGroup": .int(g.inPerGroup), "outPerGroup": .int(g.outPerGroup),
      "lanes": .int(context.compensatedLanes),
      "multiplier": context.symbol(.multiplier), "offset": context.symbol(.offset),
      "transposed": .bool(g.transposed), "readsSums": .bool(g.readsChannelSums),
      "producesSums": .bool(g.producesChannelSums), "bypass": .bool(g.bypass != nil),
      "epilogue": context.epilogue(indent: 16),
      "bypassTerm": "", "bypassSource": "",
      // Inserted on a line of its own: without its last newline.
      "sumStep": .fragment(try Template.part("kernels/sum_step.c")),
    ]) { $1 }
    if let (plan, source) = g.bypass {
      values.merge(bypassValues(plan)) { $1 }
      values["bypassSource"] = try bypassSource(source, g.inShape, context)
      values["bypassTerm"] = try context.partial("kernels/bypass_pixel.c", indent: 16)
    }
    return values
  }

  /// What the bypass templates read: whether every output copies an input channel, which
  /// one, and otherwise the selection of the means.
  static func bypassValues(_ plan: ChannelBypassPlan) -> [String: TemplateValue] {
    let copiesOnly = plan.copies == plan.outChannels
    return [
      "copiesOnly": .bool(copiesOnly), "copies": .int(plan.copies),
      "identityBypass": .bool(plan.outChannels == plan.inChannels),
      "copied": .fragment(plan.outChannels == plan.inChannels ? "{{$o}}" : "{{$o % inChannels}}"),
      "selection": .fragment(copiesOnly ? "" : CText.bypassSelection(plan)),
    ]
  }

  /// Outputs from this size on are written with non-temporal stores on the AVX-512 path.
  static let streamBytes = 8 << 20

  /// The kernel's `_store` function (kernels/store.c): folded BatchNorm, bypass, epilogue and
  /// the producer's channel sums for runs of up to `block` output pixels of one channel.
  /// `values` are the kernel's shared ones.
  static func storeFunction(
    _ g: BinaryConvGeometry, _ values: [String: TemplateValue], block: Int,
    _ context: KernelContext
  ) throws -> TemplateValue {
    var store = values
    store["storeBlock"] = .int(block)
    store["PREFIX"] = .text(context.prefix.uppercased())
    // Outputs of 8 MB and more (a multiple of the L2 cache) are streamed to memory; the
    // channel sums read a copy of what is stored.
    let stream = 4 * g.outShape.count >= streamBytes
    store["stream"] = .bool(stream)
    store["keep"] = .bool(stream || g.producesChannelSums)
    store["epilogue"] = context.epilogue(indent: 8)
    store["directBypass"] = ""
    store["bypassTerm"] = ""
    var sourceFunction = ""
    if let (_, source) = g.bypass {
      if case .input = source {
        // Read as rows of the input, no per-pixel function.
        store["directBypass"] = try context.partial("kernels/bypass_rows.c", indent: 4)
        store["bypassTerm"] = .text("        v += bypass[k];\n")
      } else {
        store["bypassTerm"] = .fragment(
          "        const int oy = (p0 + k) / {{outWidth}}, ox = (p0 + k) % {{outWidth}};\n"
            + (try Template.text("kernels/bypass_pixel.c").indented(by: 8)))
        if case .text(let text) = try bypassSource(source, g.inShape, context) {
          sourceFunction = text
        }
      }
    }
    return .text(sourceFunction + (try Template("kernels/store.c").render(store)))
  }

  /// The function that reads a row of the bypass's source channel along an output row
  /// (kernels/bypass_row.c), for a pooled or upsampled source; a padded pool's columns as
  /// `poolColumns` lays them out.
  static func bypassRowFunction(
    _ source: FusedBinaryConv.BypassSource, _ g: BinaryConvGeometry, _ context: KernelContext,
    poolColumns: WordTableKernel.PoolColumns?
  ) throws -> TemplateValue {
    var values = KernelContext.sizes(g.inShape, "in")
    values.merge(KernelContext.sizes(g.outShape, "out")) { $1 }
    values.merge([
      "fn": .text(context.function), "nearest": false, "pool": false,
      "clippedPool": .bool(poolColumns != nil),
    ]) { $1 }
    if let columns = poolColumns, case .avgPool(let pool) = source {
      // A window's row of input columns, added one by one from `row`.
      func rowSum(_ count: Int) -> String {
        (0..<count).map { "sum += row[\($0)];" }.joined(separator: "\n")
      }
      let area = CText.float(Float(pool.taps))
      values["interiorStart"] = .int(columns.interior.lowerBound)
      values["interiorColumns"] = .int(columns.interior.count)
      values["poolBorder"] = .bool(!columns.border.isEmpty)
      values["poolRowSum"] = .text(rowSum(pool.kernelW))
      values["borderColumns"] = .fragment(
        columns.border.map { border in
          "{\n    float sum = 0.0f;\n    for (int iy = i0; iy < i1; ++iy) {\n"
            + "        const float *row = plane + {{$iy * inWidth + \(border.inputColumns.lowerBound)}};\n"
            + rowSum(border.inputColumns.count).indented(by: 8)
            + "\n    }\n    dst[\(border.column)] = sum / \(area);\n}"
        }.joined(separator: "\n"))
    }
    switch source {
    case .input:
      preconditionFailure("the input itself is read as rows, without a source function")
    case .upsampleNearest(let scale):
      values["description"] = .text("nearest upsampling by \(scale)")
      values["scale"] = .int(scale)
      values["nearest"] = true
    case .avgPool(let pool):
      values["description"] = .text("AvgPool2d(\(pool))")
      values.merge(windowValues(pool, prefix: "pool")) { $1 }
      values["pool"] = true
    }
    return .text(try Template("kernels/bypass_row.c").render(values))
  }

  /// The function that reads the bypass's source channel at an output pixel.
  static func bypassSource(
    _ source: FusedBinaryConv.BypassSource, _ inShape: TensorShape, _ context: KernelContext
  ) throws -> TemplateValue {
    var values = KernelContext.sizes(inShape, "in")
    values.merge([
      "fn": .text(context.function), "description": "", "direct": false, "nearest": false,
      "pool": false,
    ]) { $1 }
    switch source {
    case .input:
      values["description"] = "the value"
      values["direct"] = true
    case .upsampleNearest(let scale):
      values["description"] = .text("nearest upsampling by \(scale)")
      values["scale"] = .int(scale)
      values["nearest"] = true
    case .avgPool(let pool):
      values["description"] = .text("AvgPool2d(\(pool))")
      values.merge(windowValues(pool, prefix: "pool")) { $1 }
      values["pool"] = true
    }
    return .text(try Template("kernels/bypass_source.c").render(values))
  }
}
