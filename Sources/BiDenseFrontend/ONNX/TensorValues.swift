import BiDenseIR

/// A tensor's values as Swift numbers, whichever field holds them: `raw_data` (little-endian,
/// as ONNX requires on every host), or the typed repeated field that onnx.proto assigns to the
/// data type. Floating types come out as `[Float]`, integer and boolean types as `[Int64]`;
/// asking for the other kind is an error rather than a silent conversion.
extension ONNXTensor {
  /// The dims as `Int`; the decoder has checked that none is negative.
  var shape: [Int] { dims.map { Int(truncatingIfNeeded: $0) } }

  /// Product of the dims; 1 for a scalar.
  func elementCount() throws -> Int {
    try elementCount(limit: ONNXReadLimits.standard.maximumTensorElements)
  }

  func elementCount(limit: Int) throws -> Int {
    var count = 1
    for dim in dims {
      guard dim >= 0 else {
        throw error("dims", "has a negative dimension \(dim) in \(dims)")
      }
      let (product, overflow) = count.multipliedReportingOverflow(by: Int(dim))
      guard !overflow, product <= limit else {
        throw error(
          "dims",
          "\(dims) make more than \(limit) elements (--max-tensor-elements raises the limit)")
      }
      count = product
    }
    return count
  }

  /// Values of a FLOAT, DOUBLE (rounded), FLOAT16 or BFLOAT16 tensor.
  func floatValues() throws -> [Float] {
    let count = try checkData(limit: ONNXReadLimits.standard.maximumTensorElements)
    if let raw = try rawBytes() {
      switch dataType {
      case .float: return Self.load(raw, count, as: UInt32.self).map(Float.init(bitPattern:))
      case .double:
        return Self.load(raw, count, as: UInt64.self).map { Float(Double(bitPattern: $0)) }
      case .float16: return Self.load(raw, count, as: UInt16.self).map(Self.floatFromHalf)
      case .bfloat16:
        return Self.load(raw, count, as: UInt16.self).map { Float(bitPattern: UInt32($0) << 16) }
      default: break
      }
    } else {
      switch dataType {
      case .float: return floatData
      case .double: return doubleData.map(Float.init)
      case .float16: return try sixteenBitData().map(Self.floatFromHalf)
      case .bfloat16: return try sixteenBitData().map { Float(bitPattern: UInt32($0) << 16) }
      default: break
      }
    }
    throw error(
      "data_type",
      "is \(dataType), not FLOAT, DOUBLE, FLOAT16 or BFLOAT16: use int64Values() for integers")
  }

  /// Values of an INT64, INT32, INT16, INT8, UINT64, UINT32, UINT16, UINT8 or BOOL tensor
  /// (booleans as 0 and 1; any nonzero byte is true).
  func int64Values() throws -> [Int64] {
    let count = try checkData(limit: ONNXReadLimits.standard.maximumTensorElements)
    if let raw = try rawBytes() {
      switch dataType {
      case .int64: return Self.load(raw, count, as: UInt64.self).map(Int64.init(bitPattern:))
      case .int32:
        return Self.load(raw, count, as: UInt32.self).map { Int64(Int32(bitPattern: $0)) }
      case .int16:
        return Self.load(raw, count, as: UInt16.self).map { Int64(Int16(bitPattern: $0)) }
      case .int8: return raw.map { Int64(Int8(bitPattern: $0)) }
      case .uint64: return try Self.load(raw, count, as: UInt64.self).map(signedUInt64)
      case .uint32: return Self.load(raw, count, as: UInt32.self).map(Int64.init)
      case .uint16: return Self.load(raw, count, as: UInt16.self).map(Int64.init)
      case .uint8: return raw.map(Int64.init)
      case .bool: return raw.map { $0 == 0 ? 0 : 1 }
      default: break
      }
    } else {
      switch dataType {
      case .int64: return int64Data
      case .int32: return int32Data.map(Int64.init)
      case .int16: return try checkedInt32Data(Int64(Int16.min)...Int64(Int16.max))
      case .int8: return try checkedInt32Data(Int64(Int8.min)...Int64(Int8.max))
      case .uint64, .uint32: return try uint64Data.map(signedUInt64)
      case .uint16: return try checkedInt32Data(0...Int64(UInt16.max))
      case .uint8: return try checkedInt32Data(0...Int64(UInt8.max))
      case .bool: return int32Data.map { $0 == 0 ? 0 : 1 }
      default: break
      }
    }
    throw error(
      "data_type",
      "is \(dataType), not an integer or BOOL type: use floatValues() for floating types")
  }

  // MARK: Layout of the fields

  /// Checks that the data present fits `dims` and `dataType`, and returns the element count.
  /// The decoder runs it on every tensor, so that conversion later only converts; external
  /// data that is not loaded yet is checked when it is.
  func checkData(limit: Int) throws -> Int {
    let count = try elementCount(limit: limit)
    guard dataType.isKnown, dataType != .undefined else {
      throw error("data_type", "is \(dataType.rawValue), not a data type this reader knows")
    }
    let present = typedFieldCounts.filter { $0.count > 0 }
    if let rawData {
      if let field = present.first {
        throw error(field.name, "is set as well as raw_data")
      }
      guard let expected = dataType.byteCount(elements: count) else {
        throw error("raw_data", "is set for a \(dataType) tensor")
      }
      guard rawData.count == expected else {
        throw error(
          "raw_data",
          "has \(rawData.count) bytes, but \(dataType) \(dims) needs \(expected)")
      }
      return count
    }
    if dataLocation == .external { return count }
    let field = dataType.typedField
    if let other = present.first(where: { $0.name != field.name }) {
      throw error(
        other.name,
        "is set for a \(dataType) tensor, whose values belong in \(field.name)")
    }
    let expected = field.entries(count)
    let actual = typedFieldCounts.first { $0.name == field.name }?.count ?? 0
    guard actual == expected else {
      throw error(
        field.name,
        "has \(actual) entries, but \(dataType) \(dims) needs \(expected)")
    }
    return count
  }

  /// The entries of each typed repeated field, for the decoder's checks.
  var typedFieldCounts: [(name: String, count: Int)] {
    [
      ("float_data", floatData.count), ("int32_data", int32Data.count),
      ("string_data", stringData.count), ("int64_data", int64Data.count),
      ("double_data", doubleData.count), ("uint64_data", uint64Data.count),
    ]
  }

  /// `raw_data` when present; nil when the values are in a typed field. External data that
  /// was never loaded is an error: there is nothing to convert.
  private func rawBytes() throws -> [UInt8]? {
    if let rawData { return rawData }
    if dataLocation == .external {
      let location = externalData.first { $0.key == "location" }?.value ?? ""
      throw error(
        "external_data",
        "data in '\(printable(location))' is not loaded: read the model with "
          + "ONNXModel(contentsOfFile:) or call loadExternalData(relativeTo:)")
    }
    return nil
  }

  private func sixteenBitData() throws -> [UInt16] {
    try checkedInt32Data(0...Int64(UInt16.max)).map { UInt16(truncatingIfNeeded: $0) }
  }

  /// int32_data widened, each entry checked against the range of the real element type.
  private func checkedInt32Data(_ range: ClosedRange<Int64>) throws -> [Int64] {
    var values: [Int64] = []
    values.reserveCapacity(int32Data.count)
    for (index, entry) in int32Data.enumerated() {
      guard range.contains(Int64(entry)) else {
        throw error("int32_data[\(index)]", "is \(entry), outside the \(dataType) range \(range)")
      }
      values.append(Int64(entry))
    }
    return values
  }

  private func signedUInt64(_ value: UInt64) throws -> Int64 {
    guard let signed = Int64(exactly: value) else {
      throw error("", "holds the UINT64 value \(value), which Int64 cannot hold")
    }
    return signed
  }

  /// `count` little-endian values from `raw`, whose size `checkData` has checked.
  private static func load<T: FixedWidthInteger>(_ raw: [UInt8], _ count: Int, as: T.Type) -> [T] {
    let size = MemoryLayout<T>.size
    precondition(raw.count >= count * size)
    return raw.withUnsafeBytes { buffer in
      (0..<count).map {
        T(littleEndian: buffer.loadUnaligned(fromByteOffset: $0 * size, as: T.self))
      }
    }
  }

  /// IEEE half precision to single, exactly (every half is a float).
  static func floatFromHalf(_ bits: UInt16) -> Float {
    let sign: UInt32 = UInt32(bits >> 15) << 31
    let exponent = UInt32(bits >> 10) & 0x1F
    let fraction = UInt32(bits) & 0x3FF
    switch exponent {
    case 0:
      // Zero or subnormal: fraction · 2^−24.
      let magnitude = Float(fraction) * 0x1p-24
      return Float(bitPattern: sign | magnitude.bitPattern)
    case 0x1F:
      return Float(bitPattern: sign | 0x7F80_0000 | fraction << 13)
    default:
      return Float(bitPattern: sign | (exponent + 112) << 23 | fraction << 13)
    }
  }

  func error(_ field: String, _ message: String) -> BiDenseError {
    let path = field.isEmpty ? fieldPath : fieldPath.isEmpty ? field : "\(fieldPath).\(field)"
    let named = name.isEmpty ? message : "('\(printable(name))') \(message)"
    return readError(file: file, path: path, named)
  }
}

extension ONNXDataType {
  /// Bytes that `elements` values take in raw_data; sub-byte types pack from the low bits.
  /// nil for STRING, UNDEFINED and unknown codes, which have no raw form.
  func byteCount(elements: Int) -> Int? {
    guard let bitWidth else { return nil }
    let (bits, overflow) = elements.multipliedReportingOverflow(by: bitWidth)
    return overflow ? nil : (bits + 7) / 8
  }

  /// The typed field that holds this type's values when raw_data is not used, and how many
  /// entries `n` elements take there (onnx.proto, TensorProto comments).
  var typedField: (name: String, entries: (Int) -> Int) {
    switch self {
    case .float: return ("float_data", { $0 })
    case .complex64: return ("float_data", { $0 * 2 })
    case .int64: return ("int64_data", { $0 })
    case .double: return ("double_data", { $0 })
    case .complex128: return ("double_data", { $0 * 2 })
    case .uint32, .uint64: return ("uint64_data", { $0 })
    case .string: return ("string_data", { $0 })
    case .uint4, .int4, .float4E2M1: return ("int32_data", { ($0 + 1) / 2 })
    case .uint2, .int2: return ("int32_data", { ($0 + 3) / 4 })
    default: return ("int32_data", { $0 })
    }
  }
}
