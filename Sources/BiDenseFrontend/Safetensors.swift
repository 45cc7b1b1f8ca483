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
    let dataStart = 8 + Int(headerLength)
    let header: JSON
    do {
      header = try JSON.parse(Data(bytes[8..<dataStart]))
    } catch let error as BiDenseError {
      throw BiDenseError("safetensors header \(error.message)")
    }
    let payload = bytes.count - dataStart
    var tensors: [String: NamedTensor] = [:]
    for name in try header.object().keys.sorted() where name != "__metadata__" {
      let entry = try header.require(name)
      do {
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
        let count = shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).partialValue }
        let range = (dataStart + offsets[0])..<(dataStart + offsets[1])
        guard let values = try decode(bytes, range, dtype: dtype, count: count, name: name) else {
          continue
        }
        tensors[name] = NamedTensor(shape: shape, values: values)
      } catch let error as BiDenseError {
        throw BiDenseError("tensor '\(printable(name))': \(error.message)")
      }
    }
    return tensors
  }

  /// The values of one tensor as float32, or nil for a tensor to skip.
  private static func decode(
    _ bytes: [UInt8], _ range: Range<Int>, dtype: String, count: Int, name: String
  ) throws -> [Float]? {
    let width: Int
    switch dtype {
    case "F32": width = 4
    case "F16", "BF16": width = 2
    case "I64" where name.hasSuffix("num_batches_tracked"): return nil
    default:
      throw BiDenseError("dtype \(dtype) is not supported (F32, F16 and BF16 are)")
    }
    guard range.count == count * width else {
      throw BiDenseError(
        "holds \(range.count) bytes but its shape needs \(count) × \(width) = \(count * width)")
    }
    var values = [Float](repeating: 0, count: count)
    let base = range.lowerBound
    for i in 0..<count {
      let p = base + i * width
      switch dtype {
      case "F32":
        let bits =
          UInt32(bytes[p]) | UInt32(bytes[p + 1]) << 8 | UInt32(bytes[p + 2]) << 16
          | UInt32(bytes[p + 3]) << 24
        values[i] = Float(bitPattern: bits)
      case "F16":
        values[i] = halfToFloat(UInt16(bytes[p]) | UInt16(bytes[p + 1]) << 8)
      default:
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
