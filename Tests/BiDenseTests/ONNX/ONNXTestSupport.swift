import Foundation

@testable import BiDenseFrontend
@testable import BiDenseIR

// Support for the ONNX reader's tests: a protobuf writer for hand-made models, the facts the
// onnx package reads from the copied models (Fixtures/onnx/onnx_facts.json, written once by a
// script with onnx; the tests do not run it), and a text dump of a model, one line per node,
// whose checked-in goldens show a change to the reader as a diff.

/// The reader's own fixtures (typed fields, external data, goldens, ViT models).
let onnxFixturesFolder = Fixtures.folder.appendingPathComponent("onnx").path

/// A copied model: in Fixtures/onnx, or one of the reference cases' exports in Fixtures.
func onnxFixture(_ name: String) -> String {
  let own = onnxFixturesFolder + "/" + name
  return FileManager.default.fileExists(atPath: own) ? own : Fixtures.folder.path + "/" + name
}

/// The field path that a read error names: its message up to the first ": ".
func readPath(_ error: BiDenseError?) -> String? {
  error.map { $0.message.components(separatedBy: ": ").first ?? "" }
}

// MARK: - Writing models

/// A minimal protobuf encoder for building test models byte by byte, including encodings that
/// the protobuf library never writes (unpacked packed fields, bad wire types, groups).
struct ProtoWriter {
  var bytes: [UInt8] = []

  mutating func varint(_ value: UInt64) {
    var rest = value
    while rest >= 0x80 {
      bytes.append(UInt8(rest & 0x7F) | 0x80)
      rest >>= 7
    }
    bytes.append(UInt8(rest))
  }

  mutating func tag(_ field: Int, _ wireType: UInt8) {
    varint(UInt64(field) << 3 | UInt64(wireType))
  }

  mutating func int(_ field: Int, _ value: Int64) {
    tag(field, 0)
    varint(UInt64(bitPattern: value))
  }

  mutating func bytes(_ field: Int, _ value: [UInt8]) {
    tag(field, 2)
    varint(UInt64(value.count))
    bytes += value
  }

  mutating func string(_ field: Int, _ value: String) {
    bytes(field, Array(value.utf8))
  }

  mutating func float(_ field: Int, _ value: Float) {
    tag(field, 5)
    bytes += littleEndian(value.bitPattern)
  }

  mutating func double(_ field: Int, _ value: Double) {
    tag(field, 1)
    bytes += littleEndian(value.bitPattern)
  }

  mutating func message(_ field: Int, _ build: (inout ProtoWriter) -> Void) {
    var inner = ProtoWriter()
    build(&inner)
    bytes(field, inner.bytes)
  }

  mutating func packedVarints(_ field: Int, _ values: [UInt64]) {
    var inner = ProtoWriter()
    for value in values { inner.varint(value) }
    bytes(field, inner.bytes)
  }

  mutating func packedFloats(_ field: Int, _ values: [Float]) {
    bytes(field, values.flatMap { littleEndian($0.bitPattern) })
  }

  mutating func packedDoubles(_ field: Int, _ values: [Double]) {
    bytes(field, values.flatMap { littleEndian($0.bitPattern) })
  }
}

func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
  (0..<MemoryLayout<T>.size).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
}

/// A model with ir_version 10, opset 18, and the graph that `graph` writes.
func modelBytes(_ graph: (inout ProtoWriter) -> Void) -> [UInt8] {
  var model = ProtoWriter()
  model.int(1, 10)
  model.string(2, "tests")
  model.message(7, graph)
  model.message(8) { opset in
    opset.string(1, "")
    opset.int(2, 18)
  }
  return model.bytes
}

/// A model whose graph holds one initializer, written by `tensor` (name "t").
func tensorModelBytes(_ tensor: (inout ProtoWriter) -> Void) -> [UInt8] {
  modelBytes { graph in
    graph.message(5) { t in
      t.string(8, "t")
      tensor(&t)
    }
  }
}

// MARK: - Facts from onnx

/// What the `onnx` package reads from each fixture (Scripts/make_onnx_facts.py writes
/// Fixtures/onnx_facts.json): the independent reference the reader is checked against.
struct ModelFacts: Sendable, CustomStringConvertible {
  struct Value: Sendable {
    var name: String
    var elementType: Int32
    var dims: [String]
  }

  struct Initializer: Sendable {
    var name: String
    var dims: [Int64]
    var dataType: Int32
    var sum: Double
    var first: Double
  }

  var file: String
  var irVersion: Int64
  var opset: [(domain: String, version: Int64)]
  var producerName: String
  var producerVersion: String
  var graphName: String
  var nodeCount: Int
  var firstOp: String
  var lastOp: String
  var opCounts: [String: Int]
  var nodeDigest: String
  var initializerCount: Int
  var initializerElements: Int
  var floatInitializerSum: Double
  var integerInitializerSum: Int64
  var valueInfoCount: Int
  var inputs: [Value]
  var outputs: [Value]
  var constantCount: Int
  var firstConstantValues: [Double]?
  /// Only for the models copied into Fixtures.
  var initializers: [Initializer]?

  var description: String { file }
}

/// All facts, in file order.
let allModelFacts: [ModelFacts] = {
  let path = onnxFixturesFolder + "/onnx_facts.json"
  guard let data = FileManager.default.contents(atPath: path),
    let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
    let models = root["models"] as? [[String: Any]]
  else { return [] }
  return models.map(ModelFacts.init(json:))
}()

extension ModelFacts {
  init(json: [String: Any]) {
    func int(_ key: String) -> Int { (json[key] as? NSNumber)?.intValue ?? -1 }
    func values(_ key: String) -> [Value] {
      (json[key] as? [[String: Any]] ?? []).map { entry in
        Value(
          name: entry["name"] as? String ?? "",
          elementType: (entry["elem_type"] as? NSNumber)?.int32Value ?? -1,
          dims: (entry["dims"] as? [Any] ?? []).map { "\($0)" })
      }
    }
    file = json["file"] as? String ?? ""
    irVersion = Int64(int("ir_version"))
    opset = (json["opset"] as? [[Any]] ?? []).map {
      ($0.first as? String ?? "", ($0.last as? NSNumber)?.int64Value ?? -1)
    }
    producerName = json["producer_name"] as? String ?? ""
    producerVersion = json["producer_version"] as? String ?? ""
    graphName = json["graph_name"] as? String ?? ""
    nodeCount = int("node_count")
    firstOp = json["first_op"] as? String ?? ""
    lastOp = json["last_op"] as? String ?? ""
    opCounts = (json["op_counts"] as? [String: NSNumber] ?? [:]).mapValues(\.intValue)
    nodeDigest = json["node_digest"] as? String ?? ""
    initializerCount = int("initializer_count")
    initializerElements = int("initializer_elements")
    floatInitializerSum = (json["float_initializer_sum"] as? NSNumber)?.doubleValue ?? .nan
    integerInitializerSum = (json["integer_initializer_sum"] as? NSNumber)?.int64Value ?? -1
    valueInfoCount = int("value_info_count")
    inputs = values("inputs")
    outputs = values("outputs")
    constantCount = int("constant_count")
    firstConstantValues = (json["first_constant"] as? [String: Any])?["values"] as? [Double]
    initializers = (json["initializers"] as? [[String: Any]])?.map { entry in
      Initializer(
        name: entry["name"] as? String ?? "",
        dims: (entry["dims"] as? [NSNumber] ?? []).map(\.int64Value),
        dataType: (entry["data_type"] as? NSNumber)?.int32Value ?? -1,
        sum: (entry["sum"] as? NSNumber)?.doubleValue ?? .nan,
        first: (entry["first"] as? NSNumber)?.doubleValue ?? .nan)
    }
  }
}

/// FNV-1a over one line per node, the same text as `node_line` in make_onnx_facts.py: a
/// cheap fingerprint of every op, name, input, output and attribute.
func nodeDigest(_ graph: ONNXGraph) -> String {
  var hash: UInt64 = 0xCBF2_9CE4_8422_2325
  func hex(_ value: Float) -> String {
    let text = String(value.bitPattern, radix: 16)
    return String(repeating: "0", count: 8 - text.count) + text
  }
  for node in graph.nodes {
    let attributes = node.attributes.map { attribute -> String in
      let value: String
      switch attribute.type {
      case .int: value = "\(attribute.i)"
      case .float: value = hex(attribute.f)
      case .string: value = attribute.string ?? ""
      case .ints: value = attribute.ints.map(String.init).joined(separator: ",")
      case .floats: value = attribute.floats.map(hex).joined(separator: ",")
      case .tensor:
        let tensor = attribute.t ?? ONNXTensor()
        value = "\(tensor.dataType.rawValue)/\(tensor.dims.map(String.init).joined(separator: ","))"
      default: value = ""
      }
      return "\(attribute.name):\(attribute.type.rawValue):\(value)"
    }
    let line =
      [
        node.opType, node.domain, node.name, node.inputs.joined(separator: ","),
        node.outputs.joined(separator: ","), attributes.joined(separator: ";"),
      ].joined(separator: "|") + "\n"
    for byte in line.utf8 {
      hash ^= UInt64(byte)
      hash = hash &* 0x100_0000_01B3
    }
  }
  let text = String(hash, radix: 16)
  return String(repeating: "0", count: 16 - text.count) + text
}

/// Sum of a tensor's values in double, in order; nil for types with no numeric accessor.
func valueSum(_ tensor: ONNXTensor) throws -> Double {
  if let floats = try? tensor.floatValues() { return floats.reduce(0) { $0 + Double($1) } }
  return try tensor.int64Values().reduce(0) { $0 + Double($1) }
}

/// Checks a model read by the Swift reader against the facts onnx reports for it.
func expectMatches(_ model: ONNXModel, _ facts: ModelFacts) throws -> [String] {
  var problems: [String] = []
  func check(_ ok: Bool, _ what: @autoclosure () -> String) {
    if !ok { problems.append(what()) }
  }
  let graph = model.graph
  check(model.irVersion == facts.irVersion, "ir_version \(model.irVersion)")
  check(
    model.opsetImports.map { "\($0.domain)/\($0.version)" }
      == facts.opset.map { "\($0.domain)/\($0.version)" }, "opset \(model.opsetImports)")
  check(model.producerName == facts.producerName, "producer \(model.producerName)")
  check(model.producerVersion == facts.producerVersion, "version \(model.producerVersion)")
  check(graph.name == facts.graphName, "graph name \(graph.name)")
  check(graph.nodes.count == facts.nodeCount, "node count \(graph.nodes.count)")
  check(graph.nodes.first?.opType == facts.firstOp, "first op \(graph.nodes.first?.opType ?? "")")
  check(graph.nodes.last?.opType == facts.lastOp, "last op \(graph.nodes.last?.opType ?? "")")
  var counts: [String: Int] = [:]
  for node in graph.nodes { counts[node.opType, default: 0] += 1 }
  check(counts == facts.opCounts, "op counts \(counts)")
  check(nodeDigest(graph) == facts.nodeDigest, "node digest \(nodeDigest(graph))")
  check(graph.initializers.count == facts.initializerCount, "initializers")
  check(graph.valueInfo.count == facts.valueInfoCount, "value_info \(graph.valueInfo.count)")
  var elements = 0
  var floatSum = 0.0
  var integerSum: Int64 = 0
  for tensor in graph.initializers {
    elements += try tensor.elementCount()
    if let floats = try? tensor.floatValues() {
      floatSum += floats.reduce(0) { $0 + Double($1) }
    } else {
      integerSum &+= try tensor.int64Values().reduce(0, &+)
    }
  }
  check(elements == facts.initializerElements, "initializer elements \(elements)")
  check(
    abs(floatSum - facts.floatInitializerSum) <= 1e-9 * max(1, abs(floatSum)) + 1e-8,
    "float sum \(floatSum) vs \(facts.floatInitializerSum)")
  check(integerSum == facts.integerInitializerSum, "integer sum \(integerSum)")
  for (mine, theirs) in [(graph.inputs, facts.inputs), (graph.outputs, facts.outputs)] {
    check(mine.count == theirs.count, "value count")
    for (info, fact) in zip(mine, theirs) {
      let tensorType = info.tensorType
      check(info.name == fact.name, "value name \(info.name)")
      check(tensorType?.elementType.rawValue == fact.elementType, "elem_type of \(info.name)")
      check(tensorType?.shape?.map(\.description) == fact.dims, "shape of \(info.name)")
    }
  }
  let constants = graph.nodes.filter { $0.opType == "Constant" }
  check(constants.count == facts.constantCount, "constants \(constants.count)")
  if let expected = facts.firstConstantValues,
    let tensor = constants.first?.attribute(named: "value")?.t
  {
    let values = try tensor.floatValues().prefix(8)
    check(Array(values) == expected.map(Float.init), "first constant \(values)")
  }
  if let expected = facts.initializers {
    for (tensor, fact) in zip(graph.initializers, expected) {
      check(tensor.name == fact.name, "initializer \(tensor.name)")
      check(tensor.dims == fact.dims, "dims of \(tensor.name): \(tensor.dims)")
      check(tensor.dataType.rawValue == fact.dataType, "data_type of \(tensor.name)")
      let sum = try valueSum(tensor)
      check(abs(sum - fact.sum) <= 1e-9 * max(1, abs(sum)) + 1e-8, "sum of \(tensor.name)")
      let first =
        try (try? tensor.floatValues().first.map(Double.init))
        ?? tensor.int64Values().first.map(Double.init) ?? 0
      // Compared as float32: Foundation's JSON parser may miss the last bit of a double.
      check(Float(first) == Float(fact.first), "first value of \(tensor.name): \(first)")
    }
  }
  return problems
}

// MARK: - Text dump

/// A model as text, one line per node: `OpType(inputs) -> outputs {attributes}`. Inputs that
/// are initializers or Constant outputs carry their type and shape
/// (`conv.weight:f32[16,16,3,3]`), and their values when small, so that the constants of an
/// exported pattern can be read off the dump.
struct ONNXTextDumpOptions: Sendable {
  /// Initializers and tensor attributes with at most this many elements are shown in full.
  var inlineElements = 8
  /// Start each node line with the node's name (TorchScript exports put the module path there).
  var showNodeNames = false
  /// End each node line with the module scope that the dynamo exporter records in
  /// `pkg.torch.onnx.name_scopes`.
  var showScopes = false

  init(inlineElements: Int = 8, showNodeNames: Bool = false, showScopes: Bool = false) {
    self.inlineElements = inlineElements
    self.showNodeNames = showNodeNames
    self.showScopes = showScopes
  }
}

extension ONNXModel {
  func textDump(options: ONNXTextDumpOptions = ONNXTextDumpOptions()) -> String {
    var lines: [String] = []
    let opsets = opsetImports.map { "\($0.domain.isEmpty ? "ai.onnx" : $0.domain) \($0.version)" }
    lines.append(
      "ir_version \(irVersion), opset \(opsets.joined(separator: ", ")), producer "
        + "\(producerName) \(producerVersion)")
    if functionCount > 0 { lines.append("functions \(functionCount)") }
    graph.dump(into: &lines, indent: "", options: options)
    return lines.joined(separator: "\n") + "\n"
  }
}

extension ONNXGraph {
  fileprivate func dump(into lines: inout [String], indent: String, options: ONNXTextDumpOptions) {
    lines.append(
      "\(indent)graph '\(printable(name))': \(nodes.count) nodes, "
        + "\(initializers.count) initializers")
    for input in inputs { lines.append("\(indent)input \(input.dumpText)") }
    for output in outputs { lines.append("\(indent)output \(output.dumpText)") }
    var byName: [String: ONNXTensor] = [:]
    for tensor in initializers {
      byName[tensor.name] = tensor
      lines.append("\(indent)initializer \(tensor.dumpText(options, showName: true))")
    }
    for node in nodes {
      // A Constant's output reads like an initializer wherever it is used.
      if node.opType == "Constant", node.outputs.count == 1,
        let value = node.attribute(named: "value")?.t
      {
        var named = value
        named.name = node.outputs[0]
        byName[named.name] = named
      }
      var line = indent
      if options.showNodeNames { line += "\(printable(node.name)): " }
      let inputs = node.inputs.map { input in
        byName[input].map { $0.dumpText(options, showName: true) } ?? printable(input)
      }
      let domain = node.domain.isEmpty ? "" : "\(printable(node.domain))."
      line += "\(domain)\(printable(node.opType))(\(inputs.joined(separator: ", ")))"
      line += " -> \(node.outputs.map { printable($0) }.joined(separator: ", "))"
      if !node.attributes.isEmpty {
        let attributes = node.attributes.map { "\(printable($0.name))=\($0.dumpText(options))" }
        line += " {\(attributes.joined(separator: ", "))}"
      }
      if options.showScopes, let scope = node.moduleScope {
        line += "  @\(scope.isEmpty ? "<root>" : printable(scope))"
      }
      lines.append(line)
      for attribute in node.attributes {
        for graph in (attribute.g.map { [$0] } ?? []) + attribute.graphs {
          graph.dump(into: &lines, indent: indent + "    ", options: options)
        }
      }
    }
  }
}

extension ONNXValueInfo {
  fileprivate var dumpText: String {
    switch type {
    case .tensor(let tensorType)?:
      let shape = tensorType.shape.map { "[\($0.map(\.description).joined(separator: ","))]" }
      return "\(printable(name)):\(tensorType.elementType.shortName)\(shape ?? "[?]")"
    case .other(let kind)?: return "\(printable(name)):\(kind)"
    case nil: return printable(name)
    }
  }
}

extension ONNXTensor {
  fileprivate func dumpText(_ options: ONNXTextDumpOptions, showName: Bool) -> String {
    var text = showName ? "\(printable(name)):" : ""
    text += "\(dataType.shortName)[\(dims.map(String.init).joined(separator: ","))]"
    if dataLocation == .external && rawData == nil { return text + "<external>" }
    guard let count = try? elementCount() else { return text }
    if let values = try? floatValues() {
      text += Self.valuesText(values, count: count, limit: options.inlineElements)
    } else if let values = try? int64Values() {
      text += Self.valuesText(values, count: count, limit: options.inlineElements)
    }
    return text
  }

  /// All values when few, otherwise only the fact that they are all equal, if they are.
  private static func valuesText<T: Equatable>(_ values: [T], count: Int, limit: Int) -> String {
    if count <= limit {
      return "=[\(values.map { "\($0)" }.joined(separator: ","))]"
    }
    if let first = values.first, values.allSatisfy({ $0 == first }) {
      return "=all(\(first))"
    }
    return ""
  }
}

extension ONNXAttribute {
  fileprivate func dumpText(_ options: ONNXTextDumpOptions) -> String {
    switch type {
    case .float: return "\(f)"
    case .int: return "\(i)"
    case .string: return "'\(printable(string ?? "<\(s.count) bytes>"))'"
    case .tensor: return t.map { $0.dumpText(options, showName: false) } ?? "<no tensor>"
    case .graph: return "<graph '\(printable(g?.name ?? ""))'>"
    case .floats: return "[\(floats.map { "\($0)" }.joined(separator: ","))]"
    case .ints: return "[\(ints.map { "\($0)" }.joined(separator: ","))]"
    case .strings:
      let texts = strings.map { "'\(printable(String(decoding: $0, as: UTF8.self)))'" }
      return "[\(texts.joined(separator: ","))]"
    case .tensors:
      return "[\(tensors.map { $0.dumpText(options, showName: false) }.joined(separator: ","))]"
    case .graphs: return "<\(graphs.count) graphs>"
    default:
      return refAttrName.isEmpty ? "<\(type)>" : "@\(printable(refAttrName))"
    }
  }
}

extension ONNXDataType {
  /// Short names for the dump: f32, i64, bool, ...
  var shortName: String {
    switch self {
    case .float: return "f32"
    case .double: return "f64"
    case .float16: return "f16"
    case .bfloat16: return "bf16"
    case .int64: return "i64"
    case .int32: return "i32"
    case .int16: return "i16"
    case .int8: return "i8"
    case .uint64: return "u64"
    case .uint32: return "u32"
    case .uint16: return "u16"
    case .uint8: return "u8"
    case .bool: return "bool"
    case .string: return "str"
    default: return description.lowercased()
    }
  }
}
