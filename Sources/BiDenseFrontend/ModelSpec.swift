import BiDenseIR
import Foundation

/// Reads a model spec: `{"module": ..., "constructor": {...}, "inputs": [[1, C, H, W], ...]}`
/// (the shape of the reference cases) plus its state_dict in safetensors.
///
/// The reference cases add fields that describe them; those bidensec checks are `outputs`
/// (the output shapes, which must be what the module computes), `output_names` (one per
/// output) and `parameters` (state_dict names and shapes, which must be in the weights with
/// those shapes). `source` (the repository file defining `module`) picks between modules of
/// one class name, and `call` (`{"method": ..., "args": {...}}`) runs a method other than
/// `forward`. `name`, `onnx`, `onnx_error`, `patched`, `seed` and `exercises` are
/// descriptions it does not use. Any other field is an error, so that a misspelt
/// `constructor` cannot pass unnoticed.
public enum ModelSpec {
  static let fields = [
    "module", "source", "constructor", "call", "inputs", "outputs", "output_names", "parameters",
    "name", "onnx", "onnx_error", "patched", "seed", "exercises",
  ]

  public static func load(
    specPath: String, weightsPath: String, name: String? = nil, limits: WorkLimits = .default
  ) throws -> Graph {
    guard let data = FileManager.default.contents(atPath: specPath) else {
      throw BiDenseError(file: specPath, "cannot read the model file (missing or unreadable)")
    }
    let json = try inFile(specPath) { try JSON.parse(data) }
    let tensors = try Safetensors.read(path: weightsPath)
    let stem = URL(fileURLWithPath: specPath).deletingPathExtension().lastPathComponent
    return try inFile(specPath) {
      try build(
        json, weights: WeightStore(tensors: tensors, source: weightsPath), name: name ?? stem,
        limits: limits
      ).0
    }
  }

  /// The graph, and the names of parameters no module used.
  public static func build(
    _ json: JSON, weights: WeightStore, name: String, limits: WorkLimits = .default
  ) throws -> (Graph, unused: [String]) {
    try json.requireOnly(fields, in: "a model spec")
    let module = try json.require("module").string()
    let source = try json["source"]?.string()
    let constructor = json["constructor"] ?? JSON(.object([:], order: []), path: "constructor")
    let shapes = try json.require("inputs").array().map { try $0.intArray() }
    try describe(json)
    try checkListed(json, weights)
    var builder = ModuleBuilder(name: name, weights: weights, limits: limits)
    var inputs: [ValueID] = []
    for (i, shape) in shapes.enumerated() {
      inputs.append(
        try builder.graph.input(shapes.count == 1 ? "input" : "input\(i)", shape: shape))
    }
    let outputs: [ValueID]
    do {
      if let call = json["call"] {
        try call.requireOnly(["method", "args"], in: "a call")
        outputs = try builder.call(
          module, source: source, method: try call.require("method").string(),
          arguments: call["args"] ?? JSON(.object([:], order: []), path: "call.args"), path: "",
          constructor: constructor, inputs: inputs)
      } else {
        outputs = [
          try builder.module(
            module, source: source, path: "", constructor: constructor, inputs: inputs)
        ]
      }
    } catch var error as BiDenseError {
      // The root module's own nodes have an empty path: name them by the module.
      if error.node?.isEmpty == true { error.node = nil }
      throw error.atNode(module)
    }
    for output in outputs { builder.graph.output(output) }
    try checkOutputs(json, builder.graph.graph)
    return (builder.graph.graph, builder.weights.unused)
  }

  /// The descriptive fields hold what their names say.
  static func describe(_ json: JSON) throws {
    for key in ["name", "onnx", "onnx_error", "patched"] { _ = try json[key]?.string() }
    _ = try json["seed"]?.int()
    _ = try json["exercises"]?.object()
  }

  /// `parameters`, where given, lists state_dict names with their shapes; each must be in the
  /// weights with that shape (a per-channel vector may be [C] or [1, C, 1, 1]).
  static func checkListed(_ json: JSON, _ weights: WeightStore) throws {
    guard let listed = json["parameters"] else { return }
    let entries = try listed.object()
    for name in listed.keys {
      let shape = try entries[name]!.intArray()
      guard shape.allSatisfy({ $0 >= 0 }) else {
        throw BiDenseError("'\(printable(entries[name]!.path))' is \(shape), not a shape")
      }
      guard !name.hasSuffix("num_batches_tracked") else { continue }
      guard let tensor = weights.tensors[name] else {
        throw BiDenseError(
          file: weights.source,
          "the model lists parameter '\(printable(name))' \(shape), but the weights have no "
            + "such tensor")
      }
      let squeezed = { (s: [Int]) in s.filter { $0 != 1 } }
      guard tensor.shape == shape || squeezed(tensor.shape) == squeezed(shape) else {
        throw BiDenseError(
          file: weights.source,
          "parameter '\(printable(name))' has shape \(tensor.shape), but the model lists \(shape)")
      }
    }
  }

  /// `outputs`, where given, must be the shapes the module computes (a single token taken
  /// out of a sequence, PyTorch's `x[:, 0]`, may be listed as [1, C]); `output_names`, where
  /// given, names each of them.
  static func checkOutputs(_ json: JSON, _ graph: Graph) throws {
    if let names = json["output_names"] {
      let count = try names.array().map { try $0.string() }.count
      guard count == graph.outputs.count else {
        throw BiDenseError(
          "'output_names' names \(count) outputs but the module computes \(graph.outputs.count)")
      }
    }
    guard let listed = json["outputs"] else { return }
    let shapes = try listed.array().map { try $0.intArray() }
    let computed = graph.outputs.map { graph[$0].shape.dimensions }
    let matches =
      shapes.count == computed.count
      && zip(shapes, graph.outputs).allSatisfy { listed, id in
        let shape = graph[id].shape
        return listed == shape.dimensions
          || (shape.isTokens && shape.tokens == 1 && listed == [1, shape.channels])
      }
    guard matches else {
      throw BiDenseError(
        "'outputs' gives \(shapes) but the module computes \(computed) from the inputs given")
    }
  }
}

extension JSON {
  /// An object whose keys are all among `known`; `what` names the object in the message.
  func requireOnly(_ known: [String], in what: String) throws {
    guard case .object(_, let order) = value else {
      throw BiDenseError(
        "\(path.isEmpty ? "the document" : "'\(path)'") is \(kind), expected \(what)")
    }
    for key in order where !known.contains(key) {
      let place = path.isEmpty ? "" : " ('\(printable(path))')"
      throw BiDenseError(
        "\(what)\(place) has no field '\(printable(key))'; its fields are "
          + known.joined(separator: ", "))
    }
  }
}
