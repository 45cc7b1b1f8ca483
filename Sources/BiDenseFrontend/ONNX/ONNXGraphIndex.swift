import BiDenseIR

/// The wiring of an ONNX graph, checked: which node produces each value and which nodes read
/// it, the initializers by name, the real inputs (initializers listed as inputs are not), and
/// which nodes the outputs depend on. A graph that is not in SSA form and topological order, as
/// ONNX requires, is rejected here with the node that breaks it.
struct ONNXGraphIndex {
  let nodes: [ONNXNode]
  let file: String
  /// The node that produces each value.
  private(set) var producer: [String: Int] = [:]
  /// The nodes that read each value, in graph order.
  private(set) var consumers: [String: [Int]] = [:]
  private(set) var initializers: [String: ONNXTensor] = [:]
  /// The graph inputs that are not initializers: the model's real inputs.
  private(set) var inputs: [ONNXValueInfo] = []
  let outputs: [ONNXValueInfo]
  /// The nodes whose values the outputs need. A node that only a `Shape` reads is not live:
  /// its shape, not its values, is what is used.
  private(set) var live: [Bool] = []

  init(_ graph: ONNXGraph, file: String) throws {
    nodes = graph.nodes
    self.file = file
    outputs = graph.outputs
    for tensor in graph.initializers {
      guard initializers[tensor.name] == nil else {
        throw BiDenseError(file: file, "initializer '\(printable(tensor.name))' is defined twice")
      }
      initializers[tensor.name] = tensor
    }
    var defined = Set(initializers.keys)
    for input in graph.inputs where initializers[input.name] == nil {
      guard !input.name.isEmpty, !defined.contains(input.name) else {
        throw BiDenseError(file: file, "graph input '\(printable(input.name))' is defined twice")
      }
      defined.insert(input.name)
      inputs.append(input)
    }
    for (i, node) in nodes.enumerated() {
      for input in node.inputs where !input.isEmpty {
        guard defined.contains(input) else {
          throw BiDenseError(
            file: file, node: Self.displayName(node),
            "\(printable(node.opType)) reads '\(printable(input))', which no earlier node, "
              + "initializer or graph input defines (ONNX graphs are in topological order)")
        }
        if consumers[input]?.last != i { consumers[input, default: []].append(i) }
      }
      for output in node.outputs where !output.isEmpty {
        guard !defined.contains(output) else {
          throw BiDenseError(
            file: file, node: Self.displayName(node),
            "\(printable(node.opType)) defines '\(printable(output))' a second time")
        }
        defined.insert(output)
        producer[output] = i
      }
    }
    for output in outputs {
      guard defined.contains(output.name) else {
        throw BiDenseError(
          file: file, "graph output '\(printable(output.name))' is computed by no node")
      }
    }
    live = [Bool](repeating: false, count: nodes.count)
    var stack = outputs.compactMap { producer[$0.name] }
    while let i = stack.popLast() {
      guard !live[i] else { continue }
      live[i] = true
      guard nodes[i].opType != "Shape" else { continue }
      for input in nodes[i].inputs { if let p = producer[input], !live[p] { stack.append(p) } }
    }
  }

  /// A node's name for messages: its ONNX name, or its first output when it has none.
  static func displayName(_ node: ONNXNode) -> String {
    if !node.name.isEmpty { return node.name }
    return node.outputs.first.map { "output \($0)" } ?? node.opType
  }

  func isGraphOutput(_ value: String) -> Bool {
    outputs.contains { $0.name == value }
  }

  /// The live nodes that read `value`.
  func liveConsumers(_ value: String) -> [Int] {
    (consumers[value] ?? []).filter { live[$0] }
  }
}

// MARK: - Attributes

extension ONNXNode {
  private func typed(_ name: String, _ types: [ONNXAttributeType]) throws -> ONNXAttribute? {
    guard let attribute = attribute(named: name) else { return nil }
    guard types.contains(attribute.type) || attribute.type == .undefined else {
      throw BiDenseError(
        "\(printable(opType)) attribute '\(printable(name))' is \(attribute.type), expected "
          + types.map(\.description).joined(separator: " or "))
    }
    guard attribute.refAttrName.isEmpty else {
      throw BiDenseError(
        "\(printable(opType)) attribute '\(printable(name))' refers to a function attribute")
    }
    return attribute
  }

  /// An INT attribute; `value` when it is absent, which is an error when `value` is nil.
  func int(_ name: String, default value: Int?) throws -> Int {
    if let attribute = try typed(name, [.int]) { return Int(truncatingIfNeeded: attribute.i) }
    guard let value else {
      throw BiDenseError("\(printable(opType)) lacks its attribute '\(printable(name))'")
    }
    return value
  }

  func ints(_ name: String) throws -> [Int]? {
    try typed(name, [.ints]).map { $0.ints.map { Int(truncatingIfNeeded: $0) } }
  }

  func float(_ name: String) throws -> Float? {
    try typed(name, [.float]).map(\.f)
  }

  func floats(_ name: String) throws -> [Float]? {
    try typed(name, [.floats]).map(\.floats)
  }

  func string(_ name: String) throws -> String? {
    guard let attribute = try typed(name, [.string]) else { return nil }
    guard let text = attribute.string else {
      throw BiDenseError(
        "\(printable(opType)) attribute '\(printable(name))' is not valid UTF-8")
    }
    return text
  }

  func tensor(_ name: String) throws -> ONNXTensor? {
    try typed(name, [.tensor]).map { $0.t ?? ONNXTensor() }
  }

  /// The dotted path of the module that emitted this node, from the dynamo exporter's
  /// `pkg.torch.onnx.name_scopes` (`['', 'conv', 'conv.binarizer', 'mul']` gives
  /// `conv.binarizer`; the last entry is the op itself). nil when the metadata is absent.
  var moduleScope: String? {
    scopeEntries.map { $0.count >= 2 ? $0[$0.count - 2] : "" }
  }

  /// The op's own name in the exporter's scope list (`mul` above).
  var scopedOpName: String? {
    scopeEntries?.last
  }

  private var scopeEntries: [String]? {
    guard let scopes = metadataValue(forKey: "pkg.torch.onnx.name_scopes") else { return nil }
    let items = Self.parsePythonStringList(scopes)
    return items.isEmpty ? nil : items
  }

  /// The quoted items of a Python list of plain strings, as the exporter writes it.
  static func parsePythonStringList(_ text: String) -> [String] {
    var items: [String] = []
    var current: String?
    var quote: Character = "'"
    for character in text {
      if var item = current {
        if character == quote {
          items.append(item)
          current = nil
        } else {
          item.append(character)
          current = item
        }
      } else if character == "'" || character == "\"" {
        quote = character
        current = ""
      }
    }
    return items
  }
}
