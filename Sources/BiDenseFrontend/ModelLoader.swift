import BiDenseIR
import Foundation

/// A model ready to compile, and where it came from.
public struct LoadedModel: Sendable {
  public var graph: Graph
  /// The model file, or `example NAME`.
  public var source: String
  /// Parameters in the weights file that no module used.
  public var unusedParameters: [String]
  /// The work limits the model was built under; the pipeline checks the workspace against
  /// `limits.maxWorkspaceBytes` once memory is planned.
  public var limits: WorkLimits = .default
}

/// Finds and reads a model: a built-in example by name, an ONNX export (weights inside), or a
/// JSON file (a model spec with a `module`, or a native graph with `nodes`) and its
/// safetensors weights.
public enum ModelLoader {
  public static func load(
    _ model: String?, weights: String?, name: String? = nil, limits: WorkLimits = .default
  ) throws -> LoadedModel {
    let model = model ?? Examples.defaultName
    if let example = Examples.named(model) {
      guard weights == nil else {
        throw BiDenseError(
          "'\(model)' is a built-in example with seeded parameters; it takes no --weights")
      }
      return LoadedModel(
        graph: try example.build(name: name, limits: limits), source: "example \(model)",
        unusedParameters: [], limits: limits)
    }
    guard FileManager.default.fileExists(atPath: model) else {
      throw BiDenseError(
        file: model,
        "no such model file, and not a built-in example (\(Examples.all.map(\.name).joined(separator: ", ")))"
      )
    }
    let stem = URL(fileURLWithPath: model).deletingPathExtension().lastPathComponent
    // The ONNX reader reads the file itself, after checking its size: sniff one byte here.
    if isONNX(path: model, firstByte: Self.firstByte(of: model)) {
      guard weights == nil else {
        throw BiDenseError(
          file: model, "an ONNX model carries its weights; --weights does not apply to it")
      }
      let graph = try ONNXImporter.load(path: model, name: name ?? stem, limits: limits)
      return LoadedModel(graph: graph, source: model, unusedParameters: [], limits: limits)
    }
    guard let data = FileManager.default.contents(atPath: model) else {
      throw BiDenseError(file: model, "cannot read the model file")
    }
    let json = try inFile(model) { try JSON.parse(data) }
    let weightsPath = weights ?? Self.defaultWeights(for: model)
    let tensors = try Safetensors.read(path: weightsPath)
    let store = WeightStore(tensors: tensors, source: weightsPath)
    var unused: [String] = []
    let graph = try inFile(model) { () throws -> Graph in
      let graph: Graph
      if json["module"] != nil {
        (graph, unused) = try ModelSpec.build(
          json, weights: store, name: name ?? stem, limits: limits)
      } else if json["nodes"] != nil {
        (graph, unused) = try NativeGraph.build(
          json, weights: store, name: name ?? stem, limits: limits)
      } else {
        throw BiDenseError(
          "is neither a model spec (with \"module\") nor a native graph (with \"nodes\")")
      }
      return graph
    }
    return LoadedModel(graph: graph, source: model, unusedParameters: unused, limits: limits)
  }

  /// ONNX files have no magic number: a `.onnx` file is one, and so is a file whose first byte
  /// is the key of ModelProto's `ir_version` (field 1, varint), which every exporter writes
  /// first and no JSON document starts with.
  static func isONNX(path: String, firstByte: UInt8?) -> Bool {
    if URL(fileURLWithPath: path).pathExtension.lowercased() == "onnx" { return true }
    return firstByte == 0x08
  }

  /// The file's first byte, or nil where it is empty or cannot be read.
  static func firstByte(of path: String) -> UInt8? {
    guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
    defer { try? handle.close() }
    return (try? handle.read(upToCount: 1))?.first
  }

  /// MODEL.json's weights default to MODEL.safetensors beside it.
  static func defaultWeights(for model: String) -> String {
    let url = URL(fileURLWithPath: model)
    return url.deletingPathExtension().appendingPathExtension("safetensors").path
  }
}
