import BiDenseIR
import Foundation

/// Raw little-endian float32 files: the inputs and expected outputs of the reference cases.
public enum RawFloats {
  public static func read(path: String) throws -> [Float] {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw BiDenseError(file: path, "cannot read the file (missing or unreadable)")
    }
    guard data.count % 4 == 0 else {
      throw BiDenseError(file: path, "has \(data.count) bytes, not a whole number of float32")
    }
    return decode(data)
  }

  public static func decode(_ data: Data) -> [Float] {
    var values = [Float](repeating: 0, count: data.count / 4)
    data.withUnsafeBytes { raw in
      for i in values.indices {
        values[i] = Float(
          bitPattern: UInt32(
            littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
      }
    }
    return values
  }

  public static func encode(_ values: [Float]) -> Data {
    var data = Data(capacity: values.count * 4)
    for v in values {
      var bits = v.bitPattern.littleEndian
      withUnsafeBytes(of: &bits) { data.append(contentsOf: $0) }
    }
    return data
  }

  /// Splits concatenated values into tensors of the given shapes; the counts must match.
  public static func split(_ values: [Float], shapes: [TensorShape], file: String? = nil) throws
    -> [Tensor]
  {
    let expected = shapes.reduce(0) { $0 + $1.count }
    guard values.count == expected else {
      throw BiDenseError(
        file: file,
        "holds \(values.count) floats but the model's inputs need \(expected) "
          + "(\(shapes.map(\.description).joined(separator: ", ")))")
    }
    var offset = 0
    return shapes.map { shape in
      defer { offset += shape.count }
      return Tensor(shape: shape, data: Array(values[offset..<offset + shape.count]))
    }
  }
}
