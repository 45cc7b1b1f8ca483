/// The protobuf wire format, and nothing of ONNX: varints, tags, fixed-width numbers and
/// length-delimited slices, each checked against the end of the enclosing message. A reader
/// for a nested message shares the file's byte array and only narrows `end`, so nothing is
/// copied until a value is taken out.
struct WireReader {
  enum WireType: UInt8, CustomStringConvertible {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case startGroup = 3
    case endGroup = 4
    case fixed32 = 5

    var description: String {
      switch self {
      case .varint: return "varint"
      case .fixed64: return "64-bit"
      case .lengthDelimited: return "length-delimited"
      case .startGroup: return "start-group"
      case .endGroup: return "end-group"
      case .fixed32: return "32-bit"
      }
    }
  }

  /// A field's key: its number in the schema and how its value is encoded.
  struct Tag {
    var field: Int
    var wireType: WireType
  }

  let bytes: [UInt8]
  private(set) var position: Int
  let end: Int

  init(bytes: [UInt8]) {
    self.bytes = bytes
    position = 0
    end = bytes.count
  }

  /// A reader over `range` of the same bytes; `range` must come from `readLengthDelimited`.
  init(bytes: [UInt8], range: Range<Int>) {
    self.bytes = bytes
    position = range.lowerBound
    end = range.upperBound
  }

  var isAtEnd: Bool { position >= end }

  /// Largest field number protobuf allows (2^29 − 1).
  static let maximumFieldNumber = (1 << 29) - 1

  mutating func readVarint() throws -> UInt64 {
    let start = position
    var value: UInt64 = 0
    var shift: UInt64 = 0
    // A 64-bit value takes at most 10 bytes, and the 10th may only hold the top bit.
    while true {
      guard position < end else {
        throw WireError("varint runs past the end of its message", offset: start)
      }
      let byte = bytes[position]
      position += 1
      if shift == 63 && byte > 1 {
        throw WireError("varint longer than 64 bits", offset: start)
      }
      value |= UInt64(byte & 0x7F) << shift
      if byte & 0x80 == 0 { return value }
      shift += 7
    }
  }

  mutating func readTag() throws -> Tag {
    let start = position
    let key = try readVarint()
    let number = key >> 3
    guard number >= 1, number <= UInt64(Self.maximumFieldNumber) else {
      throw WireError("field number \(number) is out of range", offset: start)
    }
    guard let wireType = WireType(rawValue: UInt8(key & 7)) else {
      throw WireError(
        "field \(number) has wire type \(key & 7), which does not exist",
        offset: start)
    }
    return Tag(field: Int(number), wireType: wireType)
  }

  /// The byte range of a length-delimited value, which the reader then steps over.
  mutating func readLengthDelimited() throws -> Range<Int> {
    let start = position
    let length = try readVarint()
    guard length <= UInt64(end - position) else {
      throw WireError(
        "length \(length) runs past the end of its message (\(end - position) bytes left)",
        offset: start)
    }
    let range = position..<(position + Int(length))
    position = range.upperBound
    return range
  }

  mutating func readFixed32() throws -> UInt32 {
    guard end - position >= 4 else {
      throw WireError("32-bit value runs past the end of its message", offset: position)
    }
    var value: UInt32 = 0
    for i in 0..<4 { value |= UInt32(bytes[position + i]) << (8 * UInt32(i)) }
    position += 4
    return value
  }

  mutating func readFixed64() throws -> UInt64 {
    guard end - position >= 8 else {
      throw WireError("64-bit value runs past the end of its message", offset: position)
    }
    var value: UInt64 = 0
    for i in 0..<8 { value |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
    position += 8
    return value
  }

  /// Steps over a field this reader does not know. Groups (wire types 3 and 4) are a proto2
  /// relic that ONNX never uses; skipping one needs a matching end tag, so they are refused.
  mutating func skipField(_ tag: Tag) throws {
    switch tag.wireType {
    case .varint: _ = try readVarint()
    case .fixed64: _ = try readFixed64()
    case .lengthDelimited: _ = try readLengthDelimited()
    case .fixed32: _ = try readFixed32()
    case .startGroup, .endGroup:
      throw WireError(
        "field \(tag.field) is a group (wire type \(tag.wireType.rawValue)), "
          + "which ONNX does not use", offset: position)
    }
  }
}

/// `bytes` as text, or nil when they are not valid UTF-8. `String(validating:)` would do, but
/// needs macOS 15; the standard decoder rejects overlong forms and surrogates the same way.
func decodeUTF8<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String? {
  var iterator = bytes.makeIterator()
  var decoder = UTF8()
  while true {
    switch decoder.decode(&iterator) {
    case .scalarValue: continue
    case .emptyInput: return String(decoding: bytes, as: UTF8.self)
    case .error: return nil
    }
  }
}

/// A wire-level failure; the message decoder adds the file and the field path.
struct WireError: Error {
  var message: String
  var offset: Int

  init(_ message: String, offset: Int) {
    self.message = message
    self.offset = offset
  }
}

// MARK: - Scalar fields by schema type

extension WireReader {
  /// Fails unless the field arrived with the wire type its schema type needs.
  func expect(_ tag: Tag, _ wireType: WireType) throws {
    guard tag.wireType == wireType else {
      throw WireError(
        "has wire type \(tag.wireType.rawValue) (\(tag.wireType)), expected "
          + "\(wireType.rawValue) (\(wireType))", offset: position)
    }
  }

  mutating func readInt64(_ tag: Tag) throws -> Int64 {
    try expect(tag, .varint)
    return Int64(bitPattern: try readVarint())
  }

  /// int32 and enum fields: protobuf sign-extends negatives to 64 bits and readers truncate.
  mutating func readInt32(_ tag: Tag) throws -> Int32 {
    try expect(tag, .varint)
    return Int32(truncatingIfNeeded: try readVarint())
  }

  mutating func readFloat(_ tag: Tag) throws -> Float {
    try expect(tag, .fixed32)
    return Float(bitPattern: try readFixed32())
  }

  mutating func readBytes(_ tag: Tag) throws -> [UInt8] {
    try expect(tag, .lengthDelimited)
    return Array(bytes[try readLengthDelimited()])
  }

  mutating func readString(_ tag: Tag) throws -> String {
    try expect(tag, .lengthDelimited)
    let start = position
    let range = try readLengthDelimited()
    guard let text = decodeUTF8(bytes[range]) else {
      throw WireError("is not valid UTF-8", offset: start)
    }
    return text
  }

  /// The range of an embedded message, for a nested reader.
  mutating func readMessage(_ tag: Tag) throws -> Range<Int> {
    try expect(tag, .lengthDelimited)
    return try readLengthDelimited()
  }

  /// Repeated varint fields (int64, int32, uint64): one value per tag when unpacked, a
  /// length-delimited run when packed. Writers may use either, so both are read.
  /// `budget` is the number of entries the model may still hold; it bounds memory before a
  /// packed run of one-byte varints grows eight times larger in memory.
  mutating func appendVarints(_ tag: Tag, to values: inout [UInt64], budget: inout ElementBudget)
    throws
  {
    switch tag.wireType {
    case .varint:
      try spend(1, from: &budget)
      values.append(try readVarint())
    case .lengthDelimited:
      let range = try readLengthDelimited()
      var packed = WireReader(bytes: bytes, range: range)
      while !packed.isAtEnd {
        try spend(1, from: &budget)
        values.append(try packed.readVarint())
      }
    default:
      throw WireError(
        "has wire type \(tag.wireType.rawValue) (\(tag.wireType)), expected varint or packed",
        offset: position)
    }
  }

  /// Repeated 32-bit fields (float), unpacked or packed.
  mutating func appendFixed32s(_ tag: Tag, to values: inout [UInt32], budget: inout ElementBudget)
    throws
  {
    try appendFixed(tag, width: 4, unpacked: .fixed32, to: &values, budget: &budget) {
      UInt32(truncatingIfNeeded: $0)
    }
  }

  /// Repeated 64-bit fields (double), unpacked or packed.
  mutating func appendFixed64s(_ tag: Tag, to values: inout [UInt64], budget: inout ElementBudget)
    throws
  {
    try appendFixed(tag, width: 8, unpacked: .fixed64, to: &values, budget: &budget) { $0 }
  }

  private mutating func appendFixed<T>(
    _ tag: Tag, width: Int, unpacked: WireType, to values: inout [T], budget: inout ElementBudget,
    _ convert: (UInt64) -> T
  ) throws {
    if tag.wireType == unpacked {
      try spend(1, from: &budget)
      values.append(convert(width == 4 ? UInt64(try readFixed32()) : try readFixed64()))
      return
    }
    guard tag.wireType == .lengthDelimited else {
      throw WireError(
        "has wire type \(tag.wireType.rawValue) (\(tag.wireType)), expected \(unpacked) or packed",
        offset: position)
    }
    let start = position
    let range = try readLengthDelimited()
    guard range.count % width == 0 else {
      throw WireError(
        "packed run of \(range.count) bytes is not a multiple of \(width)",
        offset: start)
    }
    try spend(range.count / width, from: &budget)
    values.reserveCapacity(values.count + range.count / width)
    var packed = WireReader(bytes: bytes, range: range)
    while !packed.isAtEnd {
      values.append(
        convert(width == 4 ? UInt64(try packed.readFixed32()) : try packed.readFixed64()))
    }
  }

  /// Takes `count` entries from the model's budget, or fails once it is spent.
  func spend(_ count: Int, from budget: inout ElementBudget) throws {
    guard count <= budget.remaining else {
      throw WireError(
        "the model holds more than \(budget.limit) repeated entries", offset: position)
    }
    budget.remaining -= count
  }
}

/// How many more repeated entries the model being read may hold.
struct ElementBudget {
  let limit: Int
  var remaining: Int

  init(limit: Int) {
    self.limit = limit
    remaining = limit
  }
}
