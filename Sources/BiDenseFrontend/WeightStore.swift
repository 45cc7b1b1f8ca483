import BiDenseIR

/// The parameters of a model by state_dict name; builders take them by name and shape.
public struct WeightStore: Sendable {
  public var tensors: [String: NamedTensor]
  /// Where the tensors came from, for messages.
  public var source: String
  private(set) var used: Set<String> = []

  /// When set, a missing parameter is made up from this seed and its name instead of being
  /// an error: how the built-in examples get their parameters.
  var synthesisSeed: UInt64?

  public init(tensors: [String: NamedTensor], source: String) {
    self.tensors = tensors
    self.source = source
  }

  /// A store that makes up every parameter, deterministically from `seed` and the name.
  public static func seeded(_ seed: UInt64, source: String) -> WeightStore {
    var store = WeightStore(tensors: [:], source: source)
    store.synthesisSeed = seed
    return store
  }

  /// The tensor `name`, which must have `shape`; a 1×C×1×1 tensor also matches [C] and back,
  /// since PyTorch stores per-channel vectors both ways.
  public mutating func take(_ name: String, shape: [Int], node: String) throws -> [Float] {
    guard shape.allSatisfy({ $0 >= 0 }), let count = Checked.product(shape) else {
      throw BiDenseError(
        file: source, node: node, "parameter '\(printable(name))' has an impossible shape \(shape)")
    }
    if tensors[name] == nil, let seed = synthesisSeed {
      tensors[name] = NamedTensor(shape: shape, values: Self.synthesize(name, shape, seed))
    }
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
    guard tensor.values.count == count else {
      throw BiDenseError(
        file: source, node: node,
        "parameter '\(printable(name))' holds \(tensor.values.count) values, but its shape "
          + "\(shape) needs \(count)")
    }
    used.insert(name)
    return tensor.values
  }

  public func has(_ name: String) -> Bool { tensors[name] != nil }

  /// Marks a parameter that the module holds but the inference path does not use (ConvNeXt's
  /// classification head), so that it is not reported as unused.
  mutating func acknowledge(_ name: String) {
    used.insert(name)
  }

  /// The parameters under `alias` belong to the module at `original`, which PyTorch shares
  /// under both names (a module repeated in a ModuleList): they must hold the same values.
  mutating func acknowledgeShared(_ alias: String, sameAs original: String, node: String) throws {
    for name in tensors.keys.sorted() where name.hasPrefix(alias + ".") {
      let twin = original + name.dropFirst(alias.count)
      guard let other = tensors[twin], other.values == tensors[name]!.values else {
        throw BiDenseError(
          file: source, node: node,
          "'\(printable(name))' differs from '\(printable(twin))', but the module shares one "
            + "set of weights under both names")
      }
      used.insert(name)
    }
  }

  /// Parameters that no module asked for.
  public var unused: [String] { tensors.keys.filter { !used.contains($0) }.sorted() }

  /// Values far from PyTorch's initialisation, drawn like the reference cases' (so that a
  /// compiler that ignores a parameter fails), with the DAB's alpha kept small as a deep
  /// network needs.
  static func synthesize(_ name: String, _ shape: [Int], _ seed: UInt64) -> [Float] {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
    var random = SeededRandom(seed: hash ^ seed)
    let count = Checked.product(shape) ?? 0
    let leaf = name.split(separator: ".").last.map(String.init) ?? name
    let vector = shape.count <= 1
    switch leaf {
    case "alpha": return random.normals(count, scale: 0.05)
    case "k": return random.normals(count, scale: 0.6)
    case "running_var": return (0..<count).map { _ in 0.5 + 1.5 * random.uniform() }
    case "running_mean": return random.normals(count, scale: 0.5)
    // A ViT block's LayerScale, like the reference cases': U(0.3, 1).
    case "gamma": return (0..<count).map { _ in 0.3 + 0.7 * random.uniform() }
    case "weight" where vector && name.contains("norm"):
      return random.normals(count, scale: 0.2, mean: 1)
    case "weight" where vector: return (0..<count).map { _ in 0.5 * random.uniform() }
    case "weight":
      // Binary weights only matter by sign and mean |W|; a float head gets a quarter of the
      // usual spread so that its sigmoid does not saturate on a network's grown activations.
      let fanIn = max(1, count / max(1, shape[0]))
      let binary = name.hasSuffix("conv.weight") || name.hasSuffix("conv_transpose.weight")
      return random.normals(count, scale: (binary ? 1 : 0.25) / Float(fanIn).squareRoot())
    default: return random.normals(count, scale: 0.3)
    }
  }
}
