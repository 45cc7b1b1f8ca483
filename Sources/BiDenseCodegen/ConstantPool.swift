import BiDenseIR
import BiDensePasses
import BiDenseTemplates

/// The const arrays of the weights file. Identical contents (a module shared by several
/// parents, such as FPN_fuse's smooth_conv) are stored once under the first name given.
struct ConstantPool {
  enum Contents: Hashable {
    case floats([UInt32])
    case bytes([UInt8])
    /// Unsigned words of 32 or 64 bits.
    case words([UInt64], bits: Int)
  }

  struct Entry {
    var symbol: String
    var contents: Contents
    var comment: String
  }

  let prefix: String
  private(set) var entries: [Entry] = []
  private var index: [Contents: String] = [:]

  init(prefix: String) {
    self.prefix = prefix
  }

  /// The symbol of an array of floats, added under `name` unless the same values exist.
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
    if let symbol = index[contents] { return symbol }
    let symbol = "\(prefix)_\(name)"
    index[contents] = symbol
    entries.append(Entry(symbol: symbol, contents: contents, comment: comment))
    return symbol
  }

  static func count(_ contents: Contents) -> Int {
    switch contents {
    case .floats(let v): return v.count
    case .bytes(let v): return v.count
    case .words(let v, _): return v.count
    }
  }

  static func cType(_ contents: Contents) -> String {
    switch contents {
    case .floats: return "float"
    case .bytes: return "uint8_t"
    case .words(_, let bits): return "uint\(bits)_t"
    }
  }

  /// Total bytes of all arrays.
  var bytes: Int {
    entries.reduce(0) { total, entry in
      switch entry.contents {
      case .floats(let v): return total + 4 * v.count
      case .bytes(let v): return total + v.count
      case .words(let v, let bits): return total + v.count * bits / 8
      }
    }
  }

  /// `extern` declarations for the code file.
  func declarations() -> String {
    entries.map {
      "extern const \(Self.cType($0.contents)) \($0.symbol)[\(Self.count($0.contents))];\n"
    }
    .joined()
  }

  /// Definitions for the weights file, each preceded by `attribute`.
  func definitions(attribute: String) -> String {
    var out = ""
    out.reserveCapacity(bytes * 4)
    for entry in entries {
      out += "/* \(CText.comment(entry.comment)) */\n"
      out += "\(attribute) const \(Self.cType(entry.contents)) \(entry.symbol)"
      out += "[\(Self.count(entry.contents))] = {"
      var column = 0
      func append(_ item: String) {
        if column == 0 { out += "\n   " }
        out += " " + item + ","
        column = (column + 1) % (item.count > 8 ? 8 : 16)
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
