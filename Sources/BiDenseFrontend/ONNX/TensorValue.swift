import BiDenseIR

/// A tensor whose every element the importer knows: a constant of the model (an initializer,
/// a `Constant` node, or a subgraph of constants folded at import time), or a probe that a
/// pattern evaluates to check what a subgraph computes. Shapes are N-dimensional and row-major;
/// elements are float32, int64 (every integer type) or booleans.
struct TensorValue: Sendable, Equatable {
  enum Elements: Sendable, Equatable {
    case float([Float])
    case int([Int64])
    case bool([Bool])
  }

  var shape: [Int]
  var elements: Elements

  init(shape: [Int], floats: [Float]) {
    self.shape = shape
    elements = .float(floats)
  }

  init(shape: [Int], ints: [Int64]) {
    self.shape = shape
    elements = .int(ints)
  }

  init(shape: [Int], bools: [Bool]) {
    self.shape = shape
    elements = .bool(bools)
  }

  init(scalar: Float) {
    self.init(shape: [], floats: [scalar])
  }

  /// An initializer or tensor attribute: floating types as float32, integer types as int64,
  /// BOOL as booleans; any other type is an error naming the tensor.
  init(_ tensor: ONNXTensor) throws {
    shape = tensor.shape
    switch tensor.dataType {
    case .float, .double, .float16, .bfloat16:
      elements = .float(try tensor.floatValues())
    case .bool:
      elements = .bool(try tensor.int64Values().map { $0 != 0 })
    case .int64, .int32, .int16, .int8, .uint64, .uint32, .uint16, .uint8:
      elements = .int(try tensor.int64Values())
    default:
      throw BiDenseError(
        file: tensor.file.isEmpty ? nil : tensor.file,
        "tensor '\(printable(tensor.name))' has data type \(tensor.dataType), which a BiDense "
          + "graph does not use")
    }
  }

  var count: Int {
    switch elements {
    case .float(let v): return v.count
    case .int(let v): return v.count
    case .bool(let v): return v.count
    }
  }

  var rank: Int { shape.count }

  var typeName: String {
    switch elements {
    case .float: return "float"
    case .int: return "int64"
    case .bool: return "bool"
    }
  }

  /// The elements as floats, or an error naming `what` when they are integers or booleans.
  func floats(_ what: String = "the tensor") throws -> [Float] {
    guard case .float(let v) = elements else {
      throw BiDenseError("\(what) is \(typeName), expected float")
    }
    return v
  }

  /// The elements as integers (booleans as 0 and 1), or an error naming `what` for floats.
  func ints(_ what: String = "the tensor") throws -> [Int64] {
    switch elements {
    case .int(let v): return v
    case .bool(let v): return v.map { $0 ? 1 : 0 }
    case .float: throw BiDenseError("\(what) is float, expected an integer")
    }
  }

  /// Integers that size something (axes, shapes, repeats) as Int.
  func indices(_ what: String) throws -> [Int] {
    try ints(what).map { Int($0) }
  }

  /// The one element of a tensor of one element, as a Double (any type).
  func scalar(_ what: String) throws -> Double {
    guard count == 1 else {
      throw BiDenseError("\(what) has \(count) elements (shape \(shape)), expected one")
    }
    switch elements {
    case .float(let v): return Double(v[0])
    case .int(let v): return Double(v[0])
    case .bool(let v): return v[0] ? 1 : 0
    }
  }

  /// The tensor with elements taken from `self` at the flat indices `source`.
  func gathering(_ source: [Int], shape: [Int]) -> TensorValue {
    switch elements {
    case .float(let v): return TensorValue(shape: shape, floats: source.map { v[$0] })
    case .int(let v): return TensorValue(shape: shape, ints: source.map { v[$0] })
    case .bool(let v): return TensorValue(shape: shape, bools: source.map { v[$0] })
    }
  }

  /// The same elements under another shape of the same element count.
  func reshaped(_ shape: [Int]) -> TensorValue {
    var copy = self
    copy.shape = shape
    return copy
  }

  /// A short text for messages: the shape, and the values when there are few.
  var summary: String {
    var text = "\(typeName)\(shape)"
    if count <= 8 {
      switch elements {
      case .float(let v): text += "=\(v)"
      case .int(let v): text += "=\(v)"
      case .bool(let v): text += "=\(v)"
      }
    }
    return text
  }
}

/// Row-major index arithmetic on N-dimensional shapes.
enum Strides {
  static func of(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var step = 1
    for axis in stride(from: shape.count - 1, through: 0, by: -1) {
      strides[axis] = step
      step *= shape[axis]
    }
    return strides
  }

  /// Calls `body` with each multi-index of `shape` in row-major order and its flat position.
  static func forEach(_ shape: [Int], _ body: (_ index: [Int], _ flat: Int) throws -> Void)
    rethrows
  {
    let count = shape.reduce(1, *)
    guard count > 0 else { return }
    var index = [Int](repeating: 0, count: shape.count)
    for flat in 0..<count {
      try body(index, flat)
      var axis = shape.count - 1
      while axis >= 0 {
        index[axis] += 1
        if index[axis] < shape[axis] { break }
        index[axis] = 0
        axis -= 1
      }
    }
  }

  /// Numpy broadcasting of two shapes, or nil when they do not broadcast.
  static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
    let rank = max(a.count, b.count)
    var out = [Int](repeating: 1, count: rank)
    for i in 0..<rank {
      let x = i < rank - a.count ? 1 : a[i - (rank - a.count)]
      let y = i < rank - b.count ? 1 : b[i - (rank - b.count)]
      guard x == y || x == 1 || y == 1 else { return nil }
      out[i] = x == 1 ? y : x
    }
    return out
  }

  /// For each element of `output` (a broadcast of `shape`), the flat index in `shape` it reads.
  static func broadcastSource(_ shape: [Int], to output: [Int]) -> [Int] {
    let offset = output.count - shape.count
    let strides = of(shape)
    var source = [Int](repeating: 0, count: output.reduce(1, *))
    forEach(output) { index, flat in
      var position = 0
      for axis in 0..<shape.count where shape[axis] != 1 {
        position += index[axis + offset] * strides[axis]
      }
      source[flat] = position
    }
    return source
  }
}
