import BiDenseIR
import Foundation

/// Reads the native graph format: a list of module-level nodes wired by name, with parameters
/// named by their state_dict names and stored in a safetensors file.
///
///     {"name": "net",
///      "inputs": [{"name": "image", "shape": [1, 16, 32, 32]}],
///      "nodes": [{"name": "conv1", "op": "BiDenseConv2d", "inputs": ["image"],
///                 "attributes": {"in_channels": 16, "out_channels": 32, "padding": 1}}, ...],
///      "outputs": ["conv1"]}
///
/// A node's parameters are those of the module at `parameters` (default: the node's name), so
/// `conv1.binarizer.alpha` and so on; two nodes that name the same `parameters` share them.
/// A node's optional `source` (the repository file) picks between modules of one class name
/// (the ViT's `Block` and the ConvNeXt's).
public enum NativeGraph {
  /// The graph, and the names of parameters no node used.
  public static func build(
    _ json: JSON, weights: WeightStore, name fallback: String, limits: WorkLimits = .default
  ) throws -> (Graph, unused: [String]) {
    try json.requireOnly(["name", "inputs", "nodes", "outputs"], in: "a native graph")
    let name = try json["name"]?.string() ?? fallback
    var builder = ModuleBuilder(name: name, weights: weights, limits: limits)
    var values: [String: ValueID] = [:]
    for entry in try json.require("inputs").array() {
      try entry.requireOnly(["name", "shape"], in: "a graph input")
      let inputName = try entry.require("name").string()
      guard values[inputName] == nil else {
        throw BiDenseError(node: inputName, "the name is used twice")
      }
      values[inputName] = try builder.graph.input(
        inputName, shape: try entry.require("shape").intArray())
    }
    for entry in try json.require("nodes").array() {
      try entry.requireOnly(
        ["name", "op", "source", "inputs", "attributes", "parameters"], in: "a graph node")
      let nodeName = try entry.require("name").string()
      do {
        guard values[nodeName] == nil else { throw BiDenseError("the name is used twice") }
        let op = try entry.require("op").string()
        let inputs = try entry.require("inputs").array().map { item -> ValueID in
          let source = try item.string()
          guard let id = values[source] else {
            throw BiDenseError(
              "input '\(printable(source))' is not an earlier node or a model input")
          }
          return id
        }
        let attributes =
          entry["attributes"] ?? JSON(.object([:], order: []), path: "\(entry.path).attributes")
        let path = try entry["parameters"]?.string() ?? nodeName
        values[nodeName] = try builder.module(
          op, source: try entry["source"]?.string(), path: path, constructor: attributes,
          inputs: inputs)
      } catch let error as BiDenseError {
        throw error.atNode(nodeName)
      }
    }
    let outputs = try json.require("outputs").array()
    guard !outputs.isEmpty else { throw BiDenseError("'outputs' is empty") }
    for item in outputs {
      let outputName = try item.string()
      guard let id = values[outputName] else {
        throw BiDenseError(node: outputName, "the output names no node")
      }
      builder.graph.output(id)
    }
    return (builder.graph.graph, builder.weights.unused)
  }
}
