import BiDenseIR

/// What one attribute of a module holds, and the values it may take.
public enum AttributeKind: Sendable {
  case int(ClosedRange<Int>)
  /// An int, or an `[h, w]` pair, each in the range (PyTorch's `_pair` arguments).
  case intOrPair(ClosedRange<Int>)
  /// `true` or `false`; `only` names the one value bidensec supports, where it is restricted.
  case bool(only: Bool?)
  /// A finite number above `minimum` (or at it, unless `exclusive`) and at most `maximum`.
  case float(minimum: Double?, exclusive: Bool, maximum: Double?)
  /// One of these strings.
  case string([String])
  /// A list of ints, each in `range`, of a length in `count`.
  case intList(ClosedRange<Int>, count: ClosedRange<Int>)
  /// An int in `range`, or a list of such ints of a length in `count`.
  case intOrList(ClosedRange<Int>, count: ClosedRange<Int>)
}

/// A value of an attribute, as read from a model file or as a default.
public enum AttributeValue: Sendable, Equatable, CustomStringConvertible {
  case int(Int)
  case pair(Int, Int)
  case bool(Bool)
  case float(Double)
  case string(String)
  case ints([Int])

  public var description: String {
    switch self {
    case .int(let v): return "\(v)"
    case .pair(let h, let w): return "[\(h), \(w)]"
    case .bool(let b): return "\(b)"
    case .float(let v):
      return v.rounded() == v && abs(v) < 1e15 ? "\(Int(v))" : "\(v)"
    case .string(let s): return "\"\(printable(s))\""
    case .ints(let v): return "[\(v.map(String.init).joined(separator: ", "))]"
    }
  }
}

/// What an absent attribute means.
public enum AttributeDefault: Sendable {
  /// The attribute must be given.
  case required
  /// PyTorch's default value.
  case value(AttributeValue)
  /// The attribute may be absent or null (PyTorch's `None`); the text says what that means.
  case optional(String)
}

/// One constructor argument of a module: its name, type and range, and its default.
public struct AttributeSpec: Sendable {
  public var name: String
  public var kind: AttributeKind
  public var fallback: AttributeDefault
  /// A remark for the catalogue ("no effect in eval").
  public var note: String?

  public init(
    _ name: String, _ kind: AttributeKind, _ fallback: AttributeDefault, note: String? = nil
  ) {
    self.name = name
    self.kind = kind
    self.fallback = fallback
    self.note = note
  }

  /// A channel count, 1 ... Limits.maxChannels.
  static func channels(_ name: String, _ fallback: AttributeDefault = .required) -> AttributeSpec {
    AttributeSpec(name, .int(1...Limits.maxChannels), fallback)
  }

  /// A depth model's `max_depth`, the scale of its sigmoid head.
  static let maxDepth = AttributeSpec(
    "max_depth", .float(minimum: 0, exclusive: true, maximum: nil), .required)

  /// A spatial size: kernel, stride, dilation (from 1) or padding (from 0), int or pair.
  static func window(_ name: String, from lower: Int, _ fallback: AttributeDefault)
    -> AttributeSpec
  {
    AttributeSpec(name, .intOrPair(lower...Limits.maxExtent), fallback)
  }

  static func flag(_ name: String, _ value: Bool, only: Bool? = nil, note: String? = nil)
    -> AttributeSpec
  {
    AttributeSpec(name, .bool(only: only), .value(.bool(value)), note: note)
  }
}

extension AttributeKind {
  /// "an int in 1…2^16": what the kind accepts, for messages and the catalogue.
  var phrase: String {
    switch self {
    case .int(let r): return r.count == 1 ? "the int \(r.lowerBound)" : "an int in \(show(r))"
    case .intOrPair(let r): return "an int or an [h, w] pair, in \(show(r))"
    case .bool(let only): return only.map { "\($0) (the only value supported)" } ?? "true or false"
    case .float(let minimum, let exclusive, let maximum):
      switch (minimum, maximum) {
      case (let lo?, let hi?) where exclusive:
        return "a number > \(number(lo)) and ≤ \(number(hi))"
      case (let lo?, let hi?): return "a number in \(number(lo))…\(number(hi))"
      case (let lo?, nil): return "a number \(exclusive ? ">" : "≥") \(number(lo))"
      case (nil, let hi?): return "a number ≤ \(number(hi))"
      case (nil, nil): return "a finite float32 number"
      }
    case .string(let choices):
      return choices.count == 1
        ? "\"\(choices[0])\"" : "one of " + choices.map { "\"\($0)\"" }.joined(separator: ", ")
    case .intList(let r, let count):
      let length =
        count.count == 1
        ? "\(count.lowerBound)"
        : count.upperBound >= Limits.maxExtent
          ? "\(count.lowerBound) or more" : "\(count.lowerBound) to \(count.upperBound)"
      return "a list of \(length) ints in \(show(r))"
    case .intOrList(let r, let count):
      return "an int or a list of \(count.lowerBound) to \(count.upperBound) ints, in \(show(r))"
    }
  }

  /// The same, terse, for the catalogue: "int 1…2^16", "int or [h, w] 0…2^20", "float > 0".
  var short: String {
    switch self {
    case .int(let r): return r.count == 1 ? "\(r.lowerBound) only" : "int \(show(r))"
    case .intOrPair(let r): return "int or [h, w] \(show(r))"
    case .bool(let only): return only.map { "\($0) only" } ?? "bool"
    case .float(let minimum, let exclusive, let maximum):
      switch (minimum, maximum) {
      case (let lo?, let hi?) where exclusive: return "float > \(number(lo)), ≤ \(number(hi))"
      case (let lo?, let hi?): return "float \(number(lo))…\(number(hi))"
      case (let lo?, nil): return "float \(exclusive ? ">" : "≥") \(number(lo))"
      case (nil, let hi?): return "float ≤ \(number(hi))"
      case (nil, nil): return "float"
      }
    case .string(let choices): return choices.map { "`\"\($0)\"`" }.joined(separator: " or ")
    case .intList(let r, let count):
      let length =
        count.count == 1 ? "\(count.lowerBound)" : "\(count.lowerBound) to \(count.upperBound)"
      return "\(length) ints \(show(r))"
    case .intOrList(let r, let count):
      return "int or \(count.lowerBound) to \(count.upperBound) ints \(show(r))"
    }
  }

  /// 1…65536, with large powers of two written 2^k.
  func show(_ range: ClosedRange<Int>) -> String {
    "\(Self.bound(range.lowerBound))…\(Self.bound(range.upperBound))"
  }

  static func bound(_ value: Int) -> String {
    guard value >= 1024, value & (value - 1) == 0 else { return "\(value)" }
    return "2^\(value.trailingZeroBitCount)"
  }

  func number(_ value: Double) -> String {
    value.rounded() == value && abs(value) < 1e15
      ? Self.bound(Int(value)) : AttributeValue.float(value).description
  }
}

/// A module's attributes after checking against its table entry: every value typed and in
/// range, every absent one at its default. Builders read them by name.
public struct Attributes: Sendable {
  public let module: String
  private var values: [String: AttributeValue] = [:]
  /// Where each given attribute sits in the file (`nodes[2].attributes.stride`).
  private var paths: [String: String] = [:]

  /// Checks `json` (a constructor or a node's attributes) against `definition`: an unknown
  /// name, a value of the wrong type or out of range, a missing required attribute, or null
  /// where PyTorch takes no None, is an error naming the attribute and the value.
  public init(_ json: JSON, for definition: ModuleDefinition) throws {
    try self.init(json, module: definition.name, specs: definition.attributes)
  }

  /// The same check against a list of specs (a method's arguments), `module` naming them.
  public init(_ json: JSON, module: String, specs: [AttributeSpec]) throws {
    self.module = module
    guard case .object(let members, let order) = json.value else {
      throw BiDenseError(
        "\(Self.place(json.path)) is \(json.kind), expected an object of \(module)'s attributes")
    }
    for key in order where !specs.contains(where: { $0.name == key }) {
      let known = specs.map(\.name)
      throw BiDenseError(
        "\(module) has no attribute '\(printable(key))' (\(Self.place(members[key]!.path))); "
          + (known.isEmpty ? "it takes none" : "it takes " + known.joined(separator: ", ")))
    }
    for spec in specs {
      let member = members[spec.name]
      guard let member, !member.isNull else {
        switch spec.fallback {
        case .required:
          throw BiDenseError(
            "\(module) needs the attribute '\(spec.name)' (\(spec.kind.phrase))"
              + (member == nil ? "" : ", but \(Self.place(member!.path)) is null"))
        case .value(let value):
          if let member {
            throw BiDenseError(
              "\(Self.place(member.path)) is null, but \(module)'s \(spec.name) takes "
                + "\(spec.kind.phrase) (default \(value))")
          }
          values[spec.name] = value
        case .optional:
          break
        }
        continue
      }
      values[spec.name] = try Self.read(member, spec, module: module)
      paths[spec.name] = member.path
    }
  }

  static func place(_ path: String) -> String {
    path.isEmpty ? "the document" : "'\(printable(path))'"
  }

  /// A JSON value as a message shows it: integers without a fraction.
  static func show(_ json: JSON) -> String {
    switch json.value {
    case .number(let n): return n.rounded() == n && abs(n) < 1e18 ? "\(Int(n))" : "\(n)"
    case .array(let items) where items.count <= 8:
      return "["
        + items.map { item -> String in
          if case .number = item.value { return show(item) }
          if case .array = item.value { return show(item) }
          return item.kind
        }.joined(separator: ", ") + "]"
    default: return json.kind
    }
  }

  /// One value checked against its spec.
  static func read(_ json: JSON, _ spec: AttributeSpec, module: String) throws -> AttributeValue {
    func fail() -> BiDenseError {
      BiDenseError(
        "\(place(json.path)) is \(show(json)), but \(module)'s \(spec.name) takes "
          + spec.kind.phrase)
    }
    func integer(_ item: JSON, _ range: ClosedRange<Int>) throws -> Int {
      guard case .number(let n) = item.value, n.isFinite, n.rounded() == n,
        n >= Double(range.lowerBound), n <= Double(range.upperBound)
      else { throw fail() }
      return Int(n)
    }
    switch spec.kind {
    case .int(let range):
      return .int(try integer(json, range))
    case .intOrPair(let range):
      if case .array(let items) = json.value {
        guard items.count == 2 else { throw fail() }
        return .pair(try integer(items[0], range), try integer(items[1], range))
      }
      return .int(try integer(json, range))
    case .bool(let only):
      guard case .bool(let b) = json.value, only == nil || only == b else { throw fail() }
      return .bool(b)
    case .float(let minimum, let exclusive, let maximum):
      guard case .number(let n) = json.value, abs(n) <= Double(Float.greatestFiniteMagnitude),
        minimum.map({ exclusive ? n > $0 : n >= $0 }) ?? true, maximum.map({ n <= $0 }) ?? true
      else { throw fail() }
      return .float(n)
    case .string(let choices):
      guard case .string(let s) = json.value, choices.contains(s) else { throw fail() }
      return .string(s)
    case .intList(let range, let count):
      guard case .array(let items) = json.value, count.contains(items.count) else { throw fail() }
      return .ints(try items.map { try integer($0, range) })
    case .intOrList(let range, let count):
      if case .array(let items) = json.value {
        guard count.contains(items.count) else { throw fail() }
        return .ints(try items.map { try integer($0, range) })
      }
      return .int(try integer(json, range))
    }
  }

  // MARK: reading checked values

  func has(_ name: String) -> Bool { values[name] != nil }

  /// Where the attribute came from, for a builder's message: its path in the file, or its name.
  func place(_ name: String) -> String {
    paths[name].map { "'\(printable($0))'" } ?? "\(module)'s \(name)"
  }

  private func missing(_ name: String) -> BiDenseError {
    BiDenseError("\(module) has no value for '\(name)'")
  }

  func int(_ name: String) throws -> Int {
    guard case .int(let v) = values[name] else { throw missing(name) }
    return v
  }

  func optionalInt(_ name: String) throws -> Int? {
    guard values[name] != nil else { return nil }
    return try int(name)
  }

  /// An int-or-pair attribute as (h, w).
  func pair(_ name: String) throws -> (Int, Int) {
    switch values[name] {
    case .int(let v): return (v, v)
    case .pair(let h, let w): return (h, w)
    default: throw missing(name)
    }
  }

  func optionalPair(_ name: String) throws -> (Int, Int)? {
    guard values[name] != nil else { return nil }
    return try pair(name)
  }

  func bool(_ name: String) throws -> Bool {
    guard case .bool(let b) = values[name] else { throw missing(name) }
    return b
  }

  func double(_ name: String) throws -> Double {
    guard case .float(let v) = values[name] else { throw missing(name) }
    return v
  }

  func optionalDouble(_ name: String) throws -> Double? {
    guard values[name] != nil else { return nil }
    return try double(name)
  }

  func string(_ name: String) throws -> String {
    guard case .string(let s) = values[name] else { throw missing(name) }
    return s
  }

  func ints(_ name: String) throws -> [Int] {
    guard case .ints(let v) = values[name] else { throw missing(name) }
    return v
  }

  /// An int-or-list attribute: the int, or the list.
  func intOrInts(_ name: String) throws -> Either<Int, [Int]> {
    switch values[name] {
    case .int(let v): return .first(v)
    case .ints(let v): return .second(v)
    default: throw missing(name)
    }
  }

  func optionalInts(_ name: String) throws -> [Int]? {
    guard values[name] != nil else { return nil }
    return try ints(name)
  }
}

/// One of two kinds of value.
enum Either<A, B> {
  case first(A)
  case second(B)
}
