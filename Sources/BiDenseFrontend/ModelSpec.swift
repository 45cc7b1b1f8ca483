import BiDenseIR
import Foundation

/// Reads a model spec: `{"module": ..., "constructor": {...}, "inputs": [[1, C, H, W], ...]}`
/// (the shape of the reference cases) plus its state_dict in safetensors.
public enum ModelSpec {
  public static func load(specPath: String, weightsPath: String, name: String? = nil) throws
    -> Graph
  {
    guard let data = FileManager.default.contents(atPath: specPath) else {
      throw BiDenseError(file: specPath, "cannot read the model file (missing or unreadable)")
    }
    let json = try inFile(specPath) { try JSON.parse(data) }
    let tensors = try Safetensors.read(path: weightsPath)
    let stem = URL(fileURLWithPath: specPath).deletingPathExtension().lastPathComponent
    return try inFile(specPath) {
      try build(
        json, weights: WeightStore(tensors: tensors, source: weightsPath), name: name ?? stem
      ).0
    }
  }

  /// The graph, and the names of parameters no module used.
  public static func build(_ json: JSON, weights: WeightStore, name: String) throws
    -> (Graph, unused: [String])
  {
    let module = try json.require("module").string()
    let constructor = json["constructor"] ?? JSON(.object([:], order: []), path: "constructor")
    let shapes = try json.require("inputs").array().map { try $0.intArray() }
    var builder = ModuleBuilder(name: name, weights: weights)
    var inputs: [ValueID] = []
    for (i, shape) in shapes.enumerated() {
      inputs.append(
        try builder.graph.input(shapes.count == 1 ? "input" : "input\(i)", shape: shape))
    }
    let output: ValueID
    do {
      output = try builder.module(module, path: "", constructor: constructor, inputs: inputs)
    } catch let error as BiDenseError {
      throw error.atNode(module)
    }
    builder.graph.output(output)
    return (builder.graph.graph, builder.weights.unused)
  }
}
