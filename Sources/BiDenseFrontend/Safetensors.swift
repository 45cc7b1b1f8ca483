import BiDenseIR
import Foundation

/// One named parameter tensor, converted to float32.
public struct NamedTensor: Sendable {
  public var shape: [Int]
  public var values: [Float]
}

/// Reads the safetensors format: an 8-byte little-endian header length, a JSON header naming
/// each tensor's dtype, shape and byte range, then the raw data. F32 is read as is; F16 and
/// BF16 are widened to float32; I64 is accepted only for `num_batches_tracked`, which is
/// unused at inference; anything else is rejected.
public enum Safetensors {
  public static func read(path: String) throws -> [String: NamedTensor] {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw BiDenseError(file: path, "cannot read the weights file (missing or unreadable)")
    }
    return try inFile(path) { try parse(data) }
  }

  /// The largest header accepted, as the safetensors library itself caps it.
  static let maximumHeaderBytes = 100_000_000

  /// Parses a safetensors file. Every size in the header is checked against the file before
  /// anything is allocated: the header length, each tensor's dtype, shape (its element count
  /// computed with overflow checks) and byte range, and that the byte ranges tile the data.
  public static func parse(_ data: Data) throws -> [String: NamedTensor] {
    let bytes = [UInt8](data)
    guard bytes.count >= 8 else {
      throw BiDenseError("is \(bytes.count) bytes, too short for a safetensors header")
    }
    var headerLength: UInt64 = 0
    for i in 0..<8 { headerLength |= UInt64(bytes[i]) << (8 * UInt64(i)) }
    guard headerLength <= UInt64(bytes.count - 8) else {
      throw BiDenseError(
        "safetensors header length \(headerLength) runs past the end of the file "
          + "(\(bytes.count) bytes)")
    }
    guard headerLength <= UInt64(maximumHeaderBytes) else {
      throw BiDenseError(
        "safetensors header length \(headerLength) is over the format's limit of "
          + "\(maximumHeaderBytes) bytes")
    }
    let dataStart = 8 + Int(headerLength)
    let header: JSON
    let entries: [String: JSON]
    do {
      header = try JSON.parse(Data(bytes[8..<dataStart]))
      entries = try header.object()
    } catch let error as BiDenseError {
      throw BiDenseError("safetensors header \(error.message)")
    }
    let payload = bytes.count - dataStart
    var tensors: [String: NamedTensor] = [:]
    var ranges: [(range: Range<Int>, name: String)] = []
    for name in entries.keys.sorted() where name != "__metadata__" {
      do {
        let entry = try header.require(name)
        let dtype = try entry.require("dtype").string()
        let shape = try entry.require("shape").intArray()
        let offsets = try entry.require("data_offsets").intArray()
        guard shape.allSatisfy({ $0 >= 0 }) else {
          throw BiDenseError("negative dimension in shape \(shape)")
        }
        guard offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1],
          offsets[1] <= payload
        else {
          throw BiDenseError(
            "data_offsets \(offsets) lie outside the \(payload) bytes of tensor data")
        }
        guard let width = width(of: dtype, name: name) else {
          throw BiDenseError("dtype \(printable(dtype)) is not supported (F32, F16 and BF16 are)")
        }
        let range = offsets[0]..<offsets[1]
        guard let count = Checked.product(shape), let size = Checked.multiply(count, width),
          size == range.count
        else {
          let needed = Checked.product(shape).flatMap { Checked.multiply($0, width) }
          throw BiDenseError(
            "holds \(range.count) bytes but its shape \(shape) needs "
              + (needed.map { "\($0)" } ?? "more than 2^63") + " (\(width) bytes per value)")
        }
        ranges.append((range, name))
        guard dtype != "I64" else { continue }  // num_batches_tracked: unused at inference
        let values = decode(bytes, range.lowerBound + dataStart, dtype: dtype, count: count)
        tensors[name] = NamedTensor(shape: shape, values: values)
      } catch let error as BiDenseError {
        throw BiDenseError("tensor '\(printable(name))': \(error.message)")
      }
    }
    try checkCoverage(ranges, payload: payload)
    return tensors
  }

  /// The tensors' byte ranges must tile the data exactly, as the format requires: no overlap
  /// (two tensors sharing bytes), no gap and nothing after the last tensor (bytes that belong to
  /// no tensor, as a damaged or spliced file has).
  static func checkCoverage(_ ranges: [(range: Range<Int>, name: String)], payload: Int) throws {
    let sorted = ranges.sorted {
      ($0.range.lowerBound, $0.range.upperBound) < ($1.range.lowerBound, $1.range.upperBound)
    }
    var end = 0
    var last = ""
    for (range, name) in sorted {
      guard range.lowerBound >= end else {
        throw BiDenseError(
          "tensor '\(printable(name))': data_offsets [\(range.lowerBound), \(range.upperBound)] "
            + "overlap those of '\(printable(last))', which end at \(end)")
      }
      guard range.lowerBound == end else {
        throw BiDenseError(
          "bytes \(end) to \(range.lowerBound) of the tensor data belong to no tensor "
            + "(before '\(printable(name))')")
      }
      end = range.upperBound
      last = name
    }
    guard end == payload else {
      throw BiDenseError(
        "the tensor data holds \(payload) bytes but the header accounts for \(end); "
          + "the file is damaged or has bytes appended")
    }
  }

  /// Bytes per value of a dtype bidensec reads, or nil for one it rejects. I64 is read only
  /// for the `num_batches_tracked` counters of a state_dict, which inference ignores.
  static func width(of dtype: String, name: String) -> Int? {
    switch dtype {
    case "F32": return 4
    case "F16", "BF16": return 2
    case "I64" where name.hasSuffix("num_batches_tracked"): return 8
    default: return nil
    }
  }

  /// `count` values of `dtype` from `start` on, as float32; the caller has checked the range.
  private static func decode(_ bytes: [UInt8], _ start: Int, dtype: String, count: Int)
    -> [Float]
  {
    var values = [Float](repeating: 0, count: count)
    for i in 0..<count {
      switch dtype {
      case "F32":
        let p = start + 4 * i
        let bits =
          UInt32(bytes[p]) | UInt32(bytes[p + 1]) << 8 | UInt32(bytes[p + 2]) << 16
          | UInt32(bytes[p + 3]) << 24
        values[i] = Float(bitPattern: bits)
      case "F16":
        let p = start + 2 * i
        values[i] = halfToFloat(UInt16(bytes[p]) | UInt16(bytes[p + 1]) << 8)
      default:
        let p = start + 2 * i
        values[i] = Float(bitPattern: (UInt32(bytes[p]) | UInt32(bytes[p + 1]) << 8) << 16)
      }
    }
    return values
  }

  /// IEEE 754 binary16 to binary32, subnormals, infinities and NaN included.
  static func halfToFloat(_ h: UInt16) -> Float {
    let sign: Float = (h & 0x8000) != 0 ? -1 : 1
    let exponent = Int((h >> 10) & 0x1F)
    let fraction = Float(h & 0x3FF)
    switch exponent {
    case 0: return sign * fraction * 0x1p-24
    case 31: return fraction == 0 ? sign * .infinity : .nan
    default:
      return sign * (1 + fraction / 1024)
        * Float(sign: .plus, exponent: exponent - 15, significand: 1)
    }
  }

  /// Writes float32 tensors in the safetensors format (names sorted, as PyTorch does).
  public static func serialize(_ tensors: [String: NamedTensor]) -> Data {
    var header = "{"
    var offset = 0
    let names = tensors.keys.sorted()
    for (i, name) in names.enumerated() {
      let t = tensors[name]!
      let end = offset + 4 * t.values.count
      let shape = t.shape.map(String.init).joined(separator: ",")
      header += "\(i == 0 ? "" : ",")\"\(name)\":{\"dtype\":\"F32\",\"shape\":[\(shape)],"
      header += "\"data_offsets\":[\(offset),\(end)]}"
      offset = end
    }
    header += "}"
    while (header.utf8.count + 8) % 8 != 0 { header += " " }
    var out = Data()
    var length = UInt64(header.utf8.count).littleEndian
    withUnsafeBytes(of: &length) { out.append(contentsOf: $0) }
    out.append(contentsOf: Array(header.utf8))
    for name in names {
      for v in tensors[name]!.values {
        var bits = v.bitPattern.littleEndian
        withUnsafeBytes(of: &bits) { out.append(contentsOf: $0) }
      }
    }
    return out
  }
}
