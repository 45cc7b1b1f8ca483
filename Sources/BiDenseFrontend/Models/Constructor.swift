import BiDenseIR

/// A module's constructor arguments, read with PyTorch's defaults; an argument the module
/// does not take is an error, so a typo cannot silently fall back to a default.
struct Constructor {
  let json: JSON
  let module: String

  init(_ json: JSON, module: String, accepts known: Set<String>) throws {
    self.json = json
    self.module = module
    for key in json.keys where !known.contains(key) {
      throw BiDenseError("\(module) has no constructor argument '\(printable(key))'")
    }
  }

  func int(_ key: String, _ fallback: Int? = nil) throws -> Int {
    if let value = json[key] { return try value.int() }
    guard let fallback else { throw BiDenseError("\(module) needs the argument '\(key)'") }
    return fallback
  }

  func ints(_ key: String, _ fallback: [Int]) throws -> [Int] {
    try json[key]?.intArray() ?? fallback
  }

  func double(_ key: String, _ fallback: Double? = nil) throws -> Double {
    if let value = json[key] { return try value.double() }
    guard let fallback else { throw BiDenseError("\(module) needs the argument '\(key)'") }
    return fallback
  }

  func bool(_ key: String, _ fallback: Bool) throws -> Bool {
    try json[key]?.bool() ?? fallback
  }

  func string(_ key: String, _ fallback: String) throws -> String {
    try json[key]?.string() ?? fallback
  }

  /// An int or an [h, w] pair.
  func pair(_ key: String, _ fallback: (Int, Int)?) throws -> (Int, Int) {
    guard let value = json[key] else {
      guard let fallback else { throw BiDenseError("\(module) needs the argument '\(key)'") }
      return fallback
    }
    if let items = try? value.intArray() {
      guard items.count == 2 else {
        throw BiDenseError("'\(value.path)' has \(items.count) values, expected 1 or 2")
      }
      return (items[0], items[1])
    }
    let v = try value.int()
    return (v, v)
  }
}
