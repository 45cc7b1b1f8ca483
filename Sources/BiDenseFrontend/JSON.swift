import BiDenseIR
import Foundation

/// A parsed JSON value with typed accessors whose errors name the path of the bad value.
public struct JSON: Sendable {
  enum Value: Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON], order: [String])
  }

  let value: Value
  /// Where this value sits in its document, for messages: `nodes[3].attributes.stride`.
  public let path: String

  init(_ value: Value, path: String) {
    self.value = value
    self.path = path
  }

  public static func parse(_ data: Data) throws -> JSON {
    var parser = JSONParser(bytes: [UInt8](data))
    return try parser.document()
  }

  private func mismatch(_ expected: String) -> BiDenseError {
    BiDenseError("\(path.isEmpty ? "the document" : "'\(path)'") is \(kind), expected \(expected)")
  }

  var kind: String {
    switch value {
    case .null: return "null"
    case .bool(let b): return "the boolean \(b)"
    case .number(let n): return "the number \(n)"
    case .string(let s): return "the string \"\(printable(s))\""
    case .array: return "an array"
    case .object: return "an object"
    }
  }

  public var isNull: Bool {
    if case .null = value { return true }
    return false
  }

  public func object() throws -> [String: JSON] {
    guard case .object(let members, _) = value else { throw mismatch("an object") }
    return members
  }

  public func array() throws -> [JSON] {
    guard case .array(let items) = value else { throw mismatch("an array") }
    return items
  }

  public func string() throws -> String {
    guard case .string(let s) = value else { throw mismatch("a string") }
    return s
  }

  public func bool() throws -> Bool {
    guard case .bool(let b) = value else { throw mismatch("true or false") }
    return b
  }

  public func double() throws -> Double {
    guard case .number(let n) = value, n.isFinite else { throw mismatch("a number") }
    return n
  }

  public func int() throws -> Int {
    guard case .number(let n) = value, n.rounded() == n, abs(n) < 1e15 else {
      throw mismatch("an integer")
    }
    return Int(n)
  }

  public func intArray() throws -> [Int] {
    try array().map { try $0.int() }
  }

  /// A member of an object, or nil where it is absent or null.
  public subscript(key: String) -> JSON? {
    guard case .object(let members, _) = value, let member = members[key], !member.isNull else {
      return nil
    }
    return member
  }

  /// A member that must be present.
  public func require(_ key: String) throws -> JSON {
    _ = try object()
    guard let member = self[key] else {
      throw BiDenseError("\(path.isEmpty ? "the document" : "'\(path)'") has no '\(key)'")
    }
    return member
  }

  /// The keys of an object in document order.
  public var keys: [String] {
    if case .object(_, let order) = value { return order }
    return []
  }
}

/// A strict RFC 8259 parser with a nesting limit, so that no input can exhaust the stack.
struct JSONParser {
  let bytes: [UInt8]
  var index = 0
  static let maximumDepth = 200

  init(bytes: [UInt8]) {
    self.bytes = bytes
  }

  mutating func document() throws -> JSON {
    let value = try parseValue(path: "", depth: 0)
    skipSpace()
    guard index == bytes.count else { throw error("unexpected text after the JSON value") }
    return value
  }

  private func error(_ message: String) -> BiDenseError {
    var line = 1
    var column = 1
    for b in bytes[0..<min(index, bytes.count)] {
      if b == 0x0A {
        line += 1
        column = 1
      } else {
        column += 1
      }
    }
    return BiDenseError("is not valid JSON: \(message) at line \(line), column \(column)")
  }

  private mutating func skipSpace() {
    while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
  }

  private mutating func expect(_ literal: String) throws {
    let utf8 = Array(literal.utf8)
    guard index + utf8.count <= bytes.count, Array(bytes[index..<index + utf8.count]) == utf8
    else {
      throw error("expected '\(literal)'")
    }
    index += utf8.count
  }

  private mutating func parseValue(path: String, depth: Int) throws -> JSON {
    guard depth < Self.maximumDepth else { throw error("nesting deeper than \(Self.maximumDepth)") }
    skipSpace()
    guard index < bytes.count else {
      throw error(bytes.isEmpty ? "the file is empty" : "unexpected end of input")
    }
    switch bytes[index] {
    case UInt8(ascii: "{"):
      index += 1
      var members: [String: JSON] = [:]
      var order: [String] = []
      skipSpace()
      if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
        index += 1
        return JSON(.object(members, order: order), path: path)
      }
      while true {
        skipSpace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
          throw error("expected a member name")
        }
        let key = try parseString()
        skipSpace()
        try expect(":")
        let child = path.isEmpty ? key : "\(path).\(key)"
        if members[key] == nil { order.append(key) }
        members[key] = try parseValue(path: child, depth: depth + 1)
        skipSpace()
        guard index < bytes.count else { throw error("unexpected end of input in an object") }
        if bytes[index] == UInt8(ascii: ",") {
          index += 1
          continue
        }
        try expect("}")
        return JSON(.object(members, order: order), path: path)
      }
    case UInt8(ascii: "["):
      index += 1
      var items: [JSON] = []
      skipSpace()
      if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
        index += 1
        return JSON(.array(items), path: path)
      }
      while true {
        items.append(try parseValue(path: "\(path)[\(items.count)]", depth: depth + 1))
        skipSpace()
        guard index < bytes.count else { throw error("unexpected end of input in an array") }
        if bytes[index] == UInt8(ascii: ",") {
          index += 1
          continue
        }
        try expect("]")
        return JSON(.array(items), path: path)
      }
    case UInt8(ascii: "\""):
      return JSON(.string(try parseString()), path: path)
    case UInt8(ascii: "t"):
      try expect("true")
      return JSON(.bool(true), path: path)
    case UInt8(ascii: "f"):
      try expect("false")
      return JSON(.bool(false), path: path)
    case UInt8(ascii: "n"):
      try expect("null")
      return JSON(.null, path: path)
    default:
      return JSON(.number(try parseNumber()), path: path)
    }
  }

  private mutating func parseNumber() throws -> Double {
    let start = index
    let allowed = Set("+-0123456789.eE".utf8)
    while index < bytes.count, allowed.contains(bytes[index]) { index += 1 }
    let text = String(decoding: bytes[start..<index], as: UTF8.self)
    let pattern = text.utf8.first == UInt8(ascii: "-") ? String(text.dropFirst()) : text
    guard let first = pattern.utf8.first, (0x30...0x39).contains(first),
      !(pattern.count > 1 && first == 0x30
        && pattern.utf8.dropFirst().first.map { (0x30...0x39).contains($0) } == true),
      let value = Double(text)
    else {
      index = start
      throw error("expected a value")
    }
    return value
  }

  private mutating func parseString() throws -> String {
    index += 1  // the opening quote
    var scalars = String.UnicodeScalarView()
    var raw: [UInt8] = []
    func flush() {
      scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
      raw.removeAll()
    }
    while index < bytes.count {
      let b = bytes[index]
      index += 1
      switch b {
      case UInt8(ascii: "\""):
        flush()
        return String(scalars)
      case UInt8(ascii: "\\"):
        flush()
        guard index < bytes.count else { break }
        let e = bytes[index]
        index += 1
        switch e {
        case UInt8(ascii: "\""): scalars.append("\"")
        case UInt8(ascii: "\\"): scalars.append("\\")
        case UInt8(ascii: "/"): scalars.append("/")
        case UInt8(ascii: "b"): scalars.append("\u{08}")
        case UInt8(ascii: "f"): scalars.append("\u{0C}")
        case UInt8(ascii: "n"): scalars.append("\n")
        case UInt8(ascii: "r"): scalars.append("\r")
        case UInt8(ascii: "t"): scalars.append("\t")
        case UInt8(ascii: "u"):
          var code = try hex4()
          if (0xD800..<0xDC00).contains(code), index + 1 < bytes.count,
            bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
          {
            index += 2
            let low = try hex4()
            code = 0x10000 + ((code - 0xD800) << 10) + (low &- 0xDC00) & 0x3FF
          }
          scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
        default:
          throw error("invalid escape in a string")
        }
      case 0..<0x20:
        throw error("control character in a string")
      default:
        raw.append(b)
      }
    }
    throw error("unterminated string")
  }

  private mutating func hex4() throws -> UInt32 {
    guard index + 4 <= bytes.count,
      let code = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
    else {
      throw error("invalid \\u escape")
    }
    index += 4
    return code
  }
}
