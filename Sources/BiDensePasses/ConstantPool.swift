import BiDenseIR

/// The constant arrays of a model's weights. Identical contents (a module shared by several
/// parents, such as FPN_fuse's smooth_conv) are stored once, under the first name given.
public struct ConstantPool: Sendable {
  public enum Contents: Hashable, Sendable {
    /// float32 values, by bit pattern so that equal arrays compare equal.
    case floats([UInt32])
    case bytes([UInt8])
    /// Unsigned words of 32 or 64 bits.
    case words([UInt64], bits: Int)

    public var count: Int {
      switch self {
      case .floats(let v): return v.count
      case .bytes(let v): return v.count
      case .words(let v, _): return v.count
      }
    }

    public var bytes: Int {
      switch self {
      case .floats(let v): return 4 * v.count
      case .bytes(let v): return v.count
      case .words(let v, let bits): return v.count * bits / 8
      }
    }
  }

  public struct Entry: Sendable {
    /// The array's name, unique in the model (`k3_mul`).
    public var name: String
    public var contents: Contents
    /// What the array holds, for a comment beside it.
    public var comment: String
  }

  public private(set) var entries: [Entry] = []
  private var index: [Contents: String] = [:]
  /// Total bytes of all arrays.
  public private(set) var bytes = 0

  public init() {}

  /// The name of an array of floats, added under `name` unless the same values exist.
  mutating func floats(_ name: String, _ values: [Float], comment: String) -> String {
    intern(name, .floats(values.map(\.bitPattern)), comment: comment)
  }

  mutating func bytes(_ name: String, _ values: [UInt8], comment: String) -> String {
    intern(name, .bytes(values), comment: comment)
  }

  mutating func words(_ name: String, _ values: [UInt64], bits: Int, comment: String) -> String {
    intern(name, .words(values, bits: bits), comment: comment)
  }

  private mutating func intern(_ name: String, _ contents: Contents, comment: String) -> String {
    if let existing = index[contents] { return existing }
    index[contents] = name
    entries.append(Entry(name: name, contents: contents, comment: comment))
    bytes += contents.bytes
    return name
  }
}
