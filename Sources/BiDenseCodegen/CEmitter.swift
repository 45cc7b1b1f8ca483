import BiDenseIR
import BiDensePasses
import Foundation

// Stage 8 of the pipeline: emission.
// In:  the LoweredModel, its PackedWeights and its MemoryPlan.
// Out: GeneratedC: NAME.h, NAME.c (one static function per kernel and NAME_run calling them
//      in order on the planned workspace) and NAME_weights.c (the const arrays).
// Emission renders what the earlier stages decided; it chooses nothing.

/// The three files of a generated model.
public struct GeneratedC: Sendable {
  public struct File: Sendable {
    public var name: String
    public var contents: String
  }

  public var prefix: String
  public var files: [File]
  /// The C function of each kernel, in run order.
  public var functions: [String]
}

public struct EmitOptions: Sendable {
  /// The C prefix: `prefix_run`, `PREFIX_INPUT_SIZE`, `prefix.h`.
  public var prefix: String
  /// Where the model came from, for the file headers.
  public var source: String
  /// A line for the file headers when the C computes an approximation of the model.
  public var approximation: String?

  public init(prefix: String, source: String, approximation: String? = nil) {
    self.prefix = CText.identifier(prefix)
    self.source = source
    self.approximation = approximation
  }
}

public enum CEmitter {
  public static func emit(
    _ model: LoweredModel, _ weights: PackedWeights, _ plan: MemoryPlan, _ options: EmitOptions
  ) throws -> GeneratedC {
    let graph = model.graph
    let prefix = options.prefix
    let upper = prefix.uppercased()
    var functions: [String] = []
    var bodies: [String] = []
    for (index, kernel) in model.kernels.enumerated() {
      let function = "\(prefix)_k\(index)_\(CText.identifier(kernel.node.name))"
      let context = KernelContext(
        kernel: kernel, prefix: prefix, function: function,
        symbols: weights.symbols[index].mapValues { "\(prefix)_\($0)" }, target: model.target)
      functions.append(function)
      bodies.append(try render(kernel.kind, context))
    }

    func location(_ id: ValueID) -> String {
      switch plan.locations[id]! {
      case .input(let offset): return offset == 0 ? "input" : "input + \(offset)"
      case .output(let offset): return offset == 0 ? "output" : "output + \(offset)"
      case .workspace(let offset):
        let type = model.storage(of: id).ternary.map { Ternary.unit($0.wordBits) } ?? "float"
        return "(\(type) *)(void *)\(workspace(offset))"
      }
    }
    func workspace(_ offset: Int) -> String { offset == 0 ? "ws" : "(ws + \(offset))" }
    var calls = ""
    for (index, kernel) in model.kernels.enumerated() {
      let node = kernel.node
      let scratch =
        plan.offset(of: .scratch(kernel: index)).map { [$0 == 0 ? "ws" : "ws + \($0)"] } ?? []
      let arguments = node.inputs.map(location) + [location(node.output)] + scratch
      calls += "    \(functions[index])(\(arguments.joined(separator: ", ")));\n"
      if let layout = kernel.output.ternary {
        calls += "    \(upper)_TRACE_TERNARY(\(index), \(CText.stringLiteral(node.name)), "
        calls += "\(location(node.output)), \(layout.tokens), \(layout.channels), "
        calls += "\(layout.segment), \(layout.segmentWords), \(layout.rowWords));\n"
      } else {
        calls += "    \(upper)_TRACE_NODE(\(index), \(CText.stringLiteral(node.name)), "
        calls += "\(location(node.output)), \(graph[node.output].shape.count));\n"
      }
    }

    let inputShapes = graph.inputs.map { graph[$0].shape.description }.joined(separator: " + ")
    let outputShapes = graph.outputs.map { graph[$0].shape.description }.joined(separator: " + ")
    let summary =
      "\(plural(model.kernels.count, "fused node")), "
      + "\(plural(graph.parameterCount, "parameter")) in \(weights.pool.bytes) bytes of weights, "
      + "\(plan.workspaceBytes) bytes of workspace."
      + (options.approximation.map { "\n * APPROXIMATE \($0)" } ?? "")
    let common: [String: TemplateValue] = [
      "prefix": .text(prefix), "PREFIX": .text(upper),
      "source": .text(CText.comment(options.source)), "summary": .text(summary),
    ]
    let helpers = try helperFunctions(model, prefix: prefix)
    let unitBits = model.target.wordBits
    let tracesSigns = model.kernels.contains { $0.output.ternary != nil }
    let header = try Template("model.h").render(
      common.merging([
        "inputShapes": .text(inputShapes), "outputShapes": .text(outputShapes),
        "inputSize": .int(plan.inputFloats), "outputSize": .int(plan.outputFloats),
        "workspaceBytes": .int(max(plan.workspaceBytes, MemoryPlan.alignment)),
        "workspaceAlign": 8,
      ]) { $1 })
    let source = try Template("model.c").render(
      common.merging([
        "declarations": .text(WeightsFile.declarations(weights.pool, prefix: prefix)),
        "kernels": .text(helpers + bodies.joined(separator: "\n")),
        "calls": .text(calls), "usesWorkspace": .bool(!plan.buffers.isEmpty),
        "tracesSigns": .bool(tracesSigns), "unit": .text(Ternary.unit(unitBits)),
        "unitBits": .int(unitBits),
      ]) { $1 })
    let definitions = try Template("weights.c").render(
      common.merging([
        "weightBytes": .int(weights.pool.bytes),
        "definitions": .text(
          WeightsFile.definitions(
            weights.pool, prefix: prefix, attribute: "\(upper)_WEIGHTS_ATTR")),
      ]) { $1 })
    return GeneratedC(
      prefix: prefix,
      files: [
        GeneratedC.File(name: "\(prefix).h", contents: CLayout.wrap(header)),
        GeneratedC.File(name: "\(prefix).c", contents: CLayout.wrap(source)),
        GeneratedC.File(name: "\(prefix)_weights.c", contents: CLayout.wrap(definitions)),
      ],
      functions: functions)
  }

  /// Functions the kernels share, emitted once: the byte-table builders of each row width the
  /// word-table kernels use, and the compensated sums of every binary convolution.
  static func helperFunctions(_ model: LoweredModel, prefix: String) throws -> String {
    var out = ""
    let strides = Set(
      model.kernels.flatMap { kernel -> [Int] in
        guard case .wordTable(let k) = kernel.kind else { return [] }
        return k.units.tables.map(\.stride)
      })
    for stride in strides.sorted() {
      out += try Template("kernels/byte_table.c").render([
        "prefix": .text(prefix), "stride": .int(stride),
      ])
      out += "\n"
    }
    out += try wordHelpers(model, prefix: prefix)
    let usesCompensatedSums = model.kernels.contains { kernel in
      if case .layerNorm = kernel.kind { return true }
      return kernel.kind.binaryConv != nil
    }
    guard usesCompensatedSums else { return out }
    let template =
      model.target.compensatedSumsInRegisters
      ? "kernels/compensated_sum32.c" : "kernels/compensated_sum.c"
    // The AVX-512 lanes: two registers of sixteen.
    let wide = model.target.compensatedLanes == 32
    return try out
      + Template(template).render([
        "prefix": .text(prefix), "PREFIX": .text(prefix.uppercased()),
        "lanes": .int(model.target.compensatedLanes), "wide": .bool(wide),
      ]) + "\n"
  }

  /// The shared word functions: the popcount of the binary linear layers, the attention and
  /// the `--dab-scale layer` xnor kernel, and the packing of signs into a row's two planes.
  static func wordHelpers(_ model: LoweredModel, prefix: String) throws -> String {
    var out = ""
    let unitBits = model.target.wordBits
    let usesPopcount = model.kernels.contains { kernel in
      switch kernel.kind {
      case .binaryLinear, .attention, .xnorPopcount: return true
      default: return false
      }
    }
    if usesPopcount {
      var values: [String: TemplateValue] = [
        "prefix": .text(prefix), "unit": .text(Ternary.unit(unitBits)),
        "wide": .bool(unitBits == 64),
      ]
      for (name, byte) in [("ones55", 0x55), ("ones33", 0x33), ("ones0f", 0x0f)]
        as [(String, UInt64)]
      {
        let word = (0..<(unitBits / 8)).reduce(UInt64(0)) { $0 | byte << (8 * $1) }
        values[name] = .text("UINT\(unitBits)_C(0x\(String(word, radix: 16)))")
      }
      out += try Template("kernels/popcount.c").render(values) + "\n"
    }
    if model.kernels.contains(where: { $0.output.ternary != nil }) {
      out +=
        try Template("kernels/pack_signs.c").render([
          "prefix": .text(prefix), "unit": .text(Ternary.unit(unitBits)),
          "unitBits": .int(unitBits),
        ]) + "\n"
    }
    return out
  }

  /// The C of one kernel, by its kind.
  static func render(_ kind: KernelKind, _ context: KernelContext) throws -> String {
    switch kind {
    case .quadLookup(let k): return try QuadLookupEmitter.emit(k, context)
    case .byteTable(let k): return try ByteTableEmitter.emit(k, context)
    case .depthwiseSignCount(let k): return try DepthwiseEmitter.emit(k, context)
    case .wordTable(let k): return try WordTableEmitter.emit(k, context)
    case .depthwiseBits(let k): return try DepthwiseBitsEmitter.emit(k, context)
    case .xnorPopcount(let k): return try XnorPopcountEmitter.emit(k, context)
    case .floatBaselineConv(let k): return try FloatBaselineEmitter.emit(k, context)
    case .floatConv(let k): return try FloatConvEmitter.emit(k, context)
    case .avgPool(let k): return try PoolingEmitter.avgPool(k, context)
    case .adaptiveAvgPool(let k): return try PoolingEmitter.adaptiveAvgPool(k, context)
    case .resizeBilinear(let k): return try ResizeEmitter.bilinear(k, context)
    case .upsampleNearest(let k): return try ResizeEmitter.nearest(k, context)
    case .add(let shape): return try ElementwiseEmitter.add(shape, context)
    case .concat(let k): return try ElementwiseEmitter.concat(k, context)
    case .channelBypass(let k): return try ElementwiseEmitter.channelBypass(k, context)
    case .elementwise(let step, let shape):
      return try ElementwiseEmitter.elementwise(step, shape, context)
    case .binaryLinear(let k): return try BinaryLinearEmitter.emit(k, context)
    case .binaryLinearBaseline(let k): return try BinaryLinearEmitter.baseline(k, context)
    case .attention(let k): return try AttentionEmitter.emit(k, context)
    case .attentionBaseline(let k): return try AttentionEmitter.baseline(k, context)
    case .layerNorm(let k): return try TokenEmitter.layerNorm(k, context)
    case .imageToTokens(let k): return try TokenEmitter.imageToTokens(k, context)
    case .tokensToImage(let k): return try TokenEmitter.tokensToImage(k, context)
    case .prependToken(let k): return try TokenEmitter.rows(k, prepend: true, context)
    case .sliceTokens(let k): return try TokenEmitter.rows(k, prepend: false, context)
    case .addConstant(let shape): return try TokenEmitter.addConstant(shape, context)
    case .appendTokenToRows(let shape): return try TokenEmitter.appendToken(shape, context)
    case .channelBypass1D(let k): return try TokenEmitter.channelBypass1D(k, context)
    case .resizeAntialiased(let k): return try ResizeEmitter.antialiased(k, context)
    }
  }
}

/// The weights file's arrays as C text.
enum WeightsFile {
  static func cType(_ contents: ConstantPool.Contents) -> String {
    switch contents {
    case .floats: return "float"
    case .bytes: return "uint8_t"
    case .words(_, let bits): return "uint\(bits)_t"
    }
  }

  /// `extern` declarations for the code file.
  static func declarations(_ pool: ConstantPool, prefix: String) -> String {
    pool.entries.map {
      "extern const \(cType($0.contents)) \(prefix)_\($0.name)[\($0.contents.count)];\n"
    }
    .joined()
  }

  /// Definitions for the weights file, each preceded by `attribute`.
  static func definitions(_ pool: ConstantPool, prefix: String, attribute: String) -> String {
    var out = ""
    out.reserveCapacity(pool.bytes * 4)
    for entry in pool.entries {
      out += "/* \(CText.comment(entry.comment)) */\n"
      out += "\(attribute) const \(cType(entry.contents)) \(prefix)_\(entry.name)"
      out += "[\(entry.contents.count)] = {"
      // Items fill rows of up to 100 columns.
      var column = 100
      func append(_ item: String) {
        if column + 1 + item.count + 1 > 100 {
          out += "\n   "
          column = 3
        }
        out += " " + item + ","
        column += item.count + 2
      }
      switch entry.contents {
      case .floats(let bits): for b in bits { append(CText.float(Float(bitPattern: b))) }
      case .bytes(let v): for b in v { append(String(b)) }
      case .words(let v, let bits):
        for w in v { append("UINT\(bits)_C(0x\(String(w, radix: 16)))") }
      }
      out += "\n};\n\n"
    }
    return out
  }
}
