/// The parameters of a model by state_dict name; builders take them by name and shape.
public struct WeightStore: Sendable {
  public var tensors: [String: NamedTensor]
  /// Where the tensors came from, for messages.
  public var source: String
  private(set) var used: Set<String> = []

  public init(tensors: [String: NamedTensor], source: String) {
    self.tensors = tensors
    self.source = source
  }

  /// The tensor `name`, which must have `shape`; a 1×C×1×1 tensor also matches [C] and back,
  /// since PyTorch stores per-channel vectors both ways.
  public mutating func take(_ name: String, shape: [Int], node: String) throws -> [Float] {
    guard let tensor = tensors[name] else {
      throw BiDenseError(
        file: source, node: node, "missing parameter '\(printable(name))' of shape \(shape)")
    }
    let squeezed = { (s: [Int]) in s.filter { $0 != 1 } }
    guard tensor.shape == shape || squeezed(tensor.shape) == squeezed(shape) else {
      throw BiDenseError(
        file: source, node: node,
        "parameter '\(printable(name))' has shape \(tensor.shape), expected \(shape)")
    }
    used.insert(name)
    return tensor.values
  }

  public func has(_ name: String) -> Bool { tensors[name] != nil }

  /// Parameters that no module asked for.
  public var unused: [String] { tensors.keys.filter { !used.contains($0) }.sorted() }
}
