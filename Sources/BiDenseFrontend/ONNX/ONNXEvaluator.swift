import BiDenseIR
import Foundation

/// Evaluates one ONNX node on values the importer knows completely. It folds the constant
/// subgraphs of an export (TorchScript's int64 shape arithmetic, dynamo's constant bias
/// expansions, the weight binarization when its inputs are constants) and runs the probes with
/// which patterns check what a subgraph computes. Semantics follow the ONNX operator
/// specifications for the opsets bidensec reads (13 to 21); float arithmetic is float32,
/// reductions accumulate in double. Every output is checked against the work limits before it
/// is allocated, and integer arithmetic reports overflow, so that no value from a file traps.
///
/// Errors carry no node: the importer adds the node that was being evaluated.
struct ONNXEvaluator {
  let limits: WorkLimits

  /// The ops this evaluator knows. A node of another op type is never folded.
  static let supported: Set<String> = [
    "Identity", "Dropout", "Cast", "Shape", "Size", "Constant", "ConstantOfShape", "Abs", "Neg",
    "Sign", "Exp", "Sqrt", "Reciprocal", "Relu", "Sigmoid", "Floor", "Ceil", "Not", "Add", "Sub",
    "Mul", "Div", "Mod", "Max", "Min", "Equal", "Less", "LessOrEqual", "Greater",
    "GreaterOrEqual", "And", "Or", "Where", "Clip", "ReduceMean", "ReduceSum", "ReduceMax",
    "ReduceMin", "GlobalAveragePool", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Concat",
    "Slice", "Expand", "Tile", "Transpose", "Gather", "GatherND", "Range",
  ]

  /// `inputs` holds one value per input of `node`; nil for an omitted optional input.
  func evaluate(_ node: ONNXNode, _ inputs: [TensorValue?]) throws -> TensorValue {
    func input(_ i: Int) throws -> TensorValue {
      guard i < inputs.count, let value = inputs[i] else {
        throw BiDenseError("\(node.opType) needs input \(i + 1), which is missing")
      }
      return value
    }
    func optional(_ i: Int) -> TensorValue? { i < inputs.count ? inputs[i] : nil }

    switch node.opType {
    case "Identity", "Dropout":
      return try input(0)
    case "Constant":
      return try Self.constant(node)
    case "Cast":
      return try cast(try input(0), to: try node.int("to", default: nil))
    case "Shape":
      let shape = try input(0).shape
      let rank = shape.count
      var start = try node.int("start", default: 0)
      var end = try node.int("end", default: rank)
      if start < 0 { start += rank }
      if end < 0 { end += rank }
      start = min(max(start, 0), rank)
      end = min(max(end, start), rank)
      let dims = shape[start..<end].map { Int64($0) }
      return TensorValue(shape: [dims.count], ints: dims)
    case "Size":
      return TensorValue(shape: [], ints: [Int64(try input(0).count)])
    case "ConstantOfShape":
      let shape = try dimensions(try input(0), "the shape")
      try check(shape)
      let count = shape.reduce(1, *)
      guard let value = try node.tensor("value") else {
        return TensorValue(shape: shape, floats: [Float](repeating: 0, count: count))
      }
      let fill = try TensorValue(value)
      guard fill.count == 1 else {
        throw BiDenseError("ConstantOfShape's value has \(fill.count) elements, expected one")
      }
      return fill.gathering([Int](repeating: 0, count: count), shape: shape)
    case "Abs", "Neg", "Sign", "Exp", "Sqrt", "Reciprocal", "Relu", "Sigmoid", "Floor", "Ceil",
      "Not":
      return try unary(node.opType, try input(0))
    case "Add", "Sub", "Mul", "Div", "Mod", "Equal", "Less", "LessOrEqual", "Greater",
      "GreaterOrEqual", "And", "Or":
      let fmod = try node.int("fmod", default: 0) != 0
      return try binary(node.opType, try input(0), try input(1), fmod: fmod)
    case "Max", "Min":
      var result = try input(0)
      for i in 1..<max(1, inputs.count) { result = try binary(node.opType, result, try input(i)) }
      return result
    case "Where":
      return try select(try input(0), try input(1), try input(2))
    case "Clip":
      var low = optional(1)
      var high = optional(2)
      if low == nil, let f = try node.float("min") { low = TensorValue(scalar: f) }
      if high == nil, let f = try node.float("max") { high = TensorValue(scalar: f) }
      var result = try input(0)
      if let low { result = try binary("Max", result, low) }
      if let high { result = try binary("Min", result, high) }
      return result
    case "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin":
      let x = try input(0)
      let axes = try optional(1).map { try $0.indices("the axes") } ?? node.ints("axes")
      let keep = try node.int("keepdims", default: 1) != 0
      let noop = try node.int("noop_with_empty_axes", default: 0) != 0
      if (axes ?? []).isEmpty && noop { return x }
      return try reduce(node.opType, x, axes: axes ?? Array(0..<x.rank), keep: keep)
    case "GlobalAveragePool":
      let x = try input(0)
      guard x.rank >= 3 else {
        throw BiDenseError("GlobalAveragePool of a \(x.rank)-D tensor")
      }
      return try reduce("ReduceMean", x, axes: Array(2..<x.rank), keep: true)
    case "Reshape":
      return try reshape(
        try input(0), try input(1), allowZero: try node.int("allowzero", default: 0) != 0)
    case "Flatten":
      let x = try input(0)
      let axis = try normalized(try node.int("axis", default: 1), rank: x.rank + 1, "axis")
      let outer = Checked.product(Array(x.shape[..<axis])) ?? 0
      return x.reshaped([outer, x.count / max(outer, 1)])
    case "Squeeze", "Unsqueeze":
      let x = try input(0)
      let axes = try optional(1).map { try $0.indices("the axes") } ?? node.ints("axes")
      return node.opType == "Squeeze"
        ? try squeeze(x, axes: axes) : try unsqueeze(x, axes: axes ?? [])
    case "Concat":
      return try concat(inputs.compactMap { $0 }, axis: try node.int("axis", default: nil))
    case "Slice":
      return try slice(try input(0), try input(1), try input(2), optional(3), optional(4))
    case "Expand":
      let x = try input(0)
      let shape = try dimensions(try input(1), "the shape")
      guard let out = Strides.broadcast(x.shape, shape) else {
        throw BiDenseError("cannot expand \(x.shape) to \(shape)")
      }
      try check(out)
      return x.gathering(Strides.broadcastSource(x.shape, to: out), shape: out)
    case "Tile":
      return try tile(try input(0), try input(1))
    case "Transpose":
      let x = try input(0)
      let perm = try node.ints("perm") ?? Array((0..<x.rank).reversed())
      return try transpose(x, perm)
    case "Gather":
      return try gather(try input(0), try input(1), axis: try node.int("axis", default: 0))
    case "GatherND":
      guard try node.int("batch_dims", default: 0) == 0 else {
        throw BiDenseError("GatherND with batch_dims other than 0 is not supported")
      }
      return try gatherND(try input(0), try input(1))
    case "Range":
      return try range(try input(0), try input(1), try input(2))
    default:
      throw BiDenseError("\(node.opType) cannot be evaluated at import time")
    }
  }

  // MARK: Constants and casts

  static func constant(_ node: ONNXNode) throws -> TensorValue {
    if let tensor = try node.tensor("value") { return try TensorValue(tensor) }
    if let f = try node.float("value_float") { return TensorValue(scalar: f) }
    if let floats = try node.floats("value_floats") {
      return TensorValue(shape: [floats.count], floats: floats)
    }
    if let attribute = node.attribute(named: "value_int") {
      return TensorValue(shape: [], ints: [attribute.i])
    }
    if let attribute = node.attribute(named: "value_ints") {
      return TensorValue(shape: [attribute.ints.count], ints: attribute.ints)
    }
    throw BiDenseError("Constant has no value, value_float(s) or value_int(s) attribute")
  }

  func cast(_ x: TensorValue, to code: Int?) throws -> TensorValue {
    let type = ONNXDataType(rawValue: Int32(truncatingIfNeeded: code ?? 0))
    switch (type, x.elements) {
    case (.float, .float), (.double, .float), (.float16, .float):
      // Only float32 is computed: a cast to another float width keeps float32 values.
      guard type == .float else {
        throw BiDenseError("Cast to \(type) is not supported (float32 only)")
      }
      return x
    case (.float, .int(let v)): return TensorValue(shape: x.shape, floats: v.map { Float($0) })
    case (.float, .bool(let v)): return TensorValue(shape: x.shape, floats: v.map { $0 ? 1 : 0 })
    case (.int64, .float(let v)), (.int32, .float(let v)):
      var out: [Int64] = []
      out.reserveCapacity(v.count)
      for f in v {
        guard f.isFinite, abs(f) < 9.2e18 else {
          throw BiDenseError("Cast of \(f) to an integer")
        }
        out.append(Int64(f))
      }
      return TensorValue(shape: x.shape, ints: out)
    case (.int64, .int), (.int32, .int): return x
    case (.int64, .bool(let v)), (.int32, .bool(let v)):
      return TensorValue(shape: x.shape, ints: v.map { $0 ? 1 : 0 })
    case (.bool, .float(let v)): return TensorValue(shape: x.shape, bools: v.map { $0 != 0 })
    case (.bool, .int(let v)): return TensorValue(shape: x.shape, bools: v.map { $0 != 0 })
    case (.bool, .bool): return x
    default:
      throw BiDenseError("Cast of \(x.typeName) to \(type) is not supported")
    }
  }

  // MARK: Elementwise

  func unary(_ op: String, _ x: TensorValue) throws -> TensorValue {
    switch x.elements {
    case .float(let v):
      let f: (Float) -> Float
      switch op {
      case "Abs": f = { abs($0) }
      case "Neg": f = { -$0 }
      case "Sign": f = { $0 > 0 ? 1 : $0 < 0 ? -1 : $0 == 0 ? 0 : $0 }
      case "Exp": f = { Foundation.exp($0) }
      case "Sqrt": f = { $0.squareRoot() }
      case "Reciprocal": f = { 1 / $0 }
      case "Relu": f = { $0 < 0 ? 0 : $0 }
      case "Sigmoid": f = { 1 / (1 + Foundation.exp(-$0)) }
      case "Floor": f = { $0.rounded(.down) }
      case "Ceil": f = { $0.rounded(.up) }
      default: throw BiDenseError("\(op) of a float tensor is not supported")
      }
      return TensorValue(shape: x.shape, floats: v.map(f))
    case .int(let v):
      switch op {
      case "Abs", "Neg":
        guard !v.contains(Int64.min) else { throw BiDenseError("\(op) of -2^63 overflows") }
        return TensorValue(shape: x.shape, ints: v.map { op == "Abs" ? abs($0) : -$0 })
      case "Sign": return TensorValue(shape: x.shape, ints: v.map { $0.signum() })
      case "Relu": return TensorValue(shape: x.shape, ints: v.map { max($0, 0) })
      default: throw BiDenseError("\(op) of an integer tensor is not supported")
      }
    case .bool(let v):
      guard op == "Not" else { throw BiDenseError("\(op) of a boolean tensor is not supported") }
      return TensorValue(shape: x.shape, bools: v.map { !$0 })
    }
  }

  func binary(_ op: String, _ a: TensorValue, _ b: TensorValue, fmod: Bool = false) throws
    -> TensorValue
  {
    guard let shape = Strides.broadcast(a.shape, b.shape) else {
      throw BiDenseError("\(op) of shapes \(a.shape) and \(b.shape), which do not broadcast")
    }
    try check(shape)
    let ia = Strides.broadcastSource(a.shape, to: shape)
    let ib = Strides.broadcastSource(b.shape, to: shape)
    switch (a.elements, b.elements) {
    case (.float(let x), .float(let y)):
      if let compare = Self.comparison(op, Float.self) {
        return TensorValue(shape: shape, bools: zip(ia, ib).map { compare(x[$0], y[$1]) })
      }
      let f: (Float, Float) -> Float
      switch op {
      case "Add": f = (+)
      case "Sub": f = (-)
      case "Mul": f = (*)
      case "Div": f = (/)
      case "Max": f = { $0.isNaN || $1.isNaN ? .nan : Swift.max($0, $1) }
      case "Min": f = { $0.isNaN || $1.isNaN ? .nan : Swift.min($0, $1) }
      case "Mod" where fmod: f = { Foundation.fmod($0, $1) }
      default: throw BiDenseError("\(op) of float tensors is not supported")
      }
      return TensorValue(shape: shape, floats: zip(ia, ib).map { f(x[$0], y[$1]) })
    case (.int(let x), .int(let y)):
      if let compare = Self.comparison(op, Int64.self) {
        return TensorValue(shape: shape, bools: zip(ia, ib).map { compare(x[$0], y[$1]) })
      }
      var out = [Int64](repeating: 0, count: ia.count)
      for k in 0..<ia.count {
        out[k] = try Self.integer(op, x[ia[k]], y[ib[k]], fmod: fmod)
      }
      return TensorValue(shape: shape, ints: out)
    case (.bool(let x), .bool(let y)):
      let f: (Bool, Bool) -> Bool
      switch op {
      case "And": f = { $0 && $1 }
      case "Or": f = { $0 || $1 }
      case "Equal": f = (==)
      default: throw BiDenseError("\(op) of boolean tensors is not supported")
      }
      return TensorValue(shape: shape, bools: zip(ia, ib).map { f(x[$0], y[$1]) })
    default:
      throw BiDenseError("\(op) of a \(a.typeName) and a \(b.typeName) tensor")
    }
  }

  static func comparison<T: Comparable>(_ op: String, _: T.Type) -> ((T, T) -> Bool)? {
    switch op {
    case "Equal": return (==)
    case "Less": return (<)
    case "LessOrEqual": return (<=)
    case "Greater": return (>)
    case "GreaterOrEqual": return (>=)
    default: return nil
    }
  }

  /// Integer arithmetic that reports overflow and division by zero instead of trapping.
  /// Div truncates toward zero; Mod takes the divisor's sign unless `fmod` (the dividend's).
  static func integer(_ op: String, _ x: Int64, _ y: Int64, fmod: Bool) throws -> Int64 {
    let result: (Int64, Bool)
    switch op {
    case "Add": result = x.addingReportingOverflow(y)
    case "Sub": result = x.subtractingReportingOverflow(y)
    case "Mul": result = x.multipliedReportingOverflow(by: y)
    case "Div", "Mod":
      guard y != 0 else { throw BiDenseError("integer \(op) by zero") }
      if op == "Div" {
        result = x.dividedReportingOverflow(by: y)
      } else {
        let (r, overflow) = x.remainderReportingOverflow(dividingBy: y)
        let python = !fmod && r != 0 && (r < 0) != (y < 0) ? r + y : r
        result = (python, overflow)
      }
    case "Max": result = (Swift.max(x, y), false)
    case "Min": result = (Swift.min(x, y), false)
    default: throw BiDenseError("\(op) of integer tensors is not supported")
    }
    guard !result.1 else { throw BiDenseError("integer \(op) of \(x) and \(y) overflows") }
    return result.0
  }

  func select(_ condition: TensorValue, _ a: TensorValue, _ b: TensorValue) throws -> TensorValue {
    guard case .bool(let c) = condition.elements else {
      throw BiDenseError("Where's condition is \(condition.typeName), expected bool")
    }
    guard let ab = Strides.broadcast(a.shape, b.shape),
      let shape = Strides.broadcast(condition.shape, ab)
    else {
      throw BiDenseError(
        "Where of shapes \(condition.shape), \(a.shape) and \(b.shape), which do not broadcast")
    }
    try check(shape)
    let ic = Strides.broadcastSource(condition.shape, to: shape)
    let ia = Strides.broadcastSource(a.shape, to: shape)
    let ib = Strides.broadcastSource(b.shape, to: shape)
    switch (a.elements, b.elements) {
    case (.float(let x), .float(let y)):
      return TensorValue(
        shape: shape, floats: (0..<ic.count).map { c[ic[$0]] ? x[ia[$0]] : y[ib[$0]] })
    case (.int(let x), .int(let y)):
      return TensorValue(
        shape: shape, ints: (0..<ic.count).map { c[ic[$0]] ? x[ia[$0]] : y[ib[$0]] })
    case (.bool(let x), .bool(let y)):
      return TensorValue(
        shape: shape, bools: (0..<ic.count).map { c[ic[$0]] ? x[ia[$0]] : y[ib[$0]] })
    default:
      throw BiDenseError("Where of a \(a.typeName) and a \(b.typeName) tensor")
    }
  }

  // MARK: Reductions

  func reduce(_ op: String, _ x: TensorValue, axes given: [Int], keep: Bool) throws
    -> TensorValue
  {
    let axes = Set(try given.map { try normalized($0, rank: x.rank, "reduction axis") })
    guard axes.count == given.count else {
      throw BiDenseError("\(op) names an axis twice in \(given)")
    }
    let values = try x.floats("\(op)'s input")
    let kept = (0..<x.rank).filter { !axes.contains($0) }
    let outShape =
      keep ? x.shape.enumerated().map { axes.contains($0) ? 1 : $1 } : kept.map { x.shape[$0] }
    let outCount = kept.reduce(1) { $0 * x.shape[$1] }
    let keptStrides = Strides.of(kept.map { x.shape[$0] })
    var sums = [Double](
      repeating: op == "ReduceMax" ? -.infinity : op == "ReduceMin" ? .infinity : 0, count: outCount
    )
    var counts = [Int](repeating: 0, count: outCount)
    Strides.forEach(x.shape) { index, flat in
      var out = 0
      for (k, axis) in kept.enumerated() { out += index[axis] * keptStrides[k] }
      let v = Double(values[flat])
      switch op {
      case "ReduceMax": sums[out] = v.isNaN || sums[out].isNaN ? .nan : Swift.max(sums[out], v)
      case "ReduceMin": sums[out] = v.isNaN || sums[out].isNaN ? .nan : Swift.min(sums[out], v)
      default: sums[out] += v
      }
      counts[out] += 1
    }
    let result: [Float] = (0..<outCount).map { i in
      switch op {
      case "ReduceMean": return counts[i] == 0 ? .nan : Float(sums[i] / Double(counts[i]))
      default: return Float(sums[i])
      }
    }
    return TensorValue(shape: outShape, floats: result)
  }

  // MARK: Data movement

  func reshape(_ x: TensorValue, _ shapeValue: TensorValue, allowZero: Bool) throws
    -> TensorValue
  {
    var shape = try shapeValue.indices("the shape")
    var inferred: Int?
    for (i, dim) in shape.enumerated() {
      if dim == 0 && !allowZero {
        guard i < x.rank else {
          throw BiDenseError("Reshape copies dimension \(i) of a \(x.rank)-D tensor")
        }
        shape[i] = x.shape[i]
      } else if dim == -1 {
        guard inferred == nil else { throw BiDenseError("Reshape to \(shape) infers twice") }
        inferred = i
      } else if dim < 0 {
        throw BiDenseError("Reshape to \(shape) has a negative dimension")
      }
    }
    if let inferred {
      let known = shape.enumerated().filter { $0.offset != inferred }.map(\.element)
      guard let product = Checked.product(known), product > 0, x.count % product == 0 else {
        throw BiDenseError("Reshape of \(x.shape) to \(shape)")
      }
      shape[inferred] = x.count / product
    }
    guard Checked.product(shape) == x.count else {
      throw BiDenseError("Reshape of \(x.shape) (\(x.count) elements) to \(shape)")
    }
    return x.reshaped(shape)
  }

  func squeeze(_ x: TensorValue, axes given: [Int]?) throws -> TensorValue {
    let axes = try given.map { try Set($0.map { try normalized($0, rank: x.rank, "axis") }) }
    var shape: [Int] = []
    for (axis, dim) in x.shape.enumerated() {
      if let axes, axes.contains(axis) {
        guard dim == 1 else { throw BiDenseError("Squeeze of axis \(axis) of size \(dim)") }
      } else if axes != nil || dim != 1 {
        shape.append(dim)
      }
    }
    return x.reshaped(shape)
  }

  func unsqueeze(_ x: TensorValue, axes given: [Int]) throws -> TensorValue {
    let rank = x.rank + given.count
    let axes = Set(try given.map { try normalized($0, rank: rank, "axis") })
    guard axes.count == given.count else { throw BiDenseError("Unsqueeze names an axis twice") }
    var dims = x.shape.makeIterator()
    let shape = (0..<rank).map { axes.contains($0) ? 1 : dims.next() ?? 1 }
    return x.reshaped(shape)
  }

  func concat(_ parts: [TensorValue], axis given: Int?) throws -> TensorValue {
    guard let first = parts.first, let given else {
      throw BiDenseError("Concat needs inputs and an axis")
    }
    let axis = try normalized(given, rank: first.rank, "axis")
    var shape = first.shape
    shape[axis] = 0
    for part in parts {
      guard part.rank == first.rank,
        part.shape.enumerated().allSatisfy({
          $0.offset == axis || $0.element == first.shape[$0.offset]
        })
      else {
        throw BiDenseError("Concat of shapes \(first.shape) and \(part.shape) on axis \(axis)")
      }
      guard let sum = Checked.add(shape[axis], part.shape[axis]) else {
        throw BiDenseError("Concat is too large")
      }
      shape[axis] = sum
    }
    try check(shape)
    let outer = first.shape[..<axis].reduce(1, *)
    let inner = first.shape[(axis + 1)...].reduce(1, *)
    var pieces: [(TensorValue, Int)] = []
    for part in parts { pieces.append((part, part.shape[axis] * inner)) }
    func join<T>(_ arrays: [[T]]) -> [T] {
      var out: [T] = []
      out.reserveCapacity(shape.reduce(1, *))
      for o in 0..<outer {
        for (array, (_, width)) in zip(arrays, pieces) {
          out += array[(o * width)..<((o + 1) * width)]
        }
      }
      return out
    }
    switch first.elements {
    case .float:
      return TensorValue(
        shape: shape, floats: join(try parts.map { try $0.floats("Concat's input") }))
    case .int:
      let arrays = try parts.map { part -> [Int64] in
        guard case .int(let v) = part.elements else {
          throw BiDenseError("Concat of \(first.typeName) and \(part.typeName) tensors")
        }
        return v
      }
      return TensorValue(shape: shape, ints: join(arrays))
    case .bool:
      let arrays = try parts.map { part -> [Bool] in
        guard case .bool(let v) = part.elements else {
          throw BiDenseError("Concat of \(first.typeName) and \(part.typeName) tensors")
        }
        return v
      }
      return TensorValue(shape: shape, bools: join(arrays))
    }
  }

  func slice(
    _ x: TensorValue, _ startsValue: TensorValue, _ endsValue: TensorValue,
    _ axesValue: TensorValue?,
    _ stepsValue: TensorValue?
  ) throws -> TensorValue {
    let starts = try startsValue.ints("the starts")
    let ends = try endsValue.ints("the ends")
    let axes = try axesValue.map { try $0.indices("the axes") } ?? Array(0..<starts.count)
    let steps = try stepsValue?.ints("the steps") ?? [Int64](repeating: 1, count: starts.count)
    guard ends.count == starts.count, axes.count == starts.count, steps.count == starts.count else {
      throw BiDenseError("Slice's starts, ends, axes and steps differ in length")
    }
    var begin = [Int](repeating: 0, count: x.rank)
    var step = [Int](repeating: 1, count: x.rank)
    var shape = x.shape
    for k in 0..<starts.count {
      let axis = try normalized(axes[k], rank: x.rank, "axis")
      let dim = Int64(x.shape[axis])
      let s = steps[k]
      guard s != 0, s != Int64.min else { throw BiDenseError("Slice with step \(s)") }
      func clamp(_ v: Int64, _ low: Int64, _ high: Int64) -> Int64 {
        let shifted = v < 0 ? (v == Int64.min ? Int64.min : v + dim) : v
        return Swift.min(Swift.max(shifted, low), high)
      }
      let first = s > 0 ? clamp(starts[k], 0, dim) : clamp(starts[k], 0, dim - 1)
      let last = s > 0 ? clamp(ends[k], 0, dim) : clamp(ends[k], -1, dim - 1)
      // A step longer than the axis takes one element at most; bounding it keeps the
      // arithmetic below from overflowing.
      let bounded = s > 0 ? Swift.min(s, dim + 1) : Swift.max(s, -(dim + 1))
      let count =
        bounded > 0
        ? (last - first + bounded - 1) / bounded : (first - last - bounded - 1) / (-bounded)
      begin[axis] = Int(first)
      step[axis] = Int(bounded)
      shape[axis] = Int(Swift.max(0, count))
    }
    try check(shape)
    let strides = Strides.of(x.shape)
    var source = [Int](repeating: 0, count: shape.reduce(1, *))
    Strides.forEach(shape) { index, flat in
      var position = 0
      for axis in 0..<x.rank {
        position += (begin[axis] + index[axis] * step[axis]) * strides[axis]
      }
      source[flat] = position
    }
    return x.gathering(source, shape: shape)
  }

  func tile(_ x: TensorValue, _ repeatsValue: TensorValue) throws -> TensorValue {
    let repeats = try repeatsValue.indices("the repeats")
    guard repeats.count == x.rank, repeats.allSatisfy({ $0 >= 0 }) else {
      throw BiDenseError("Tile of a \(x.rank)-D tensor by \(repeats)")
    }
    var shape: [Int] = []
    for (dim, r) in zip(x.shape, repeats) {
      guard let n = Checked.multiply(dim, r) else { throw BiDenseError("Tile is too large") }
      shape.append(n)
    }
    try check(shape)
    let strides = Strides.of(x.shape)
    var source = [Int](repeating: 0, count: shape.reduce(1, *))
    Strides.forEach(shape) { index, flat in
      var position = 0
      for axis in 0..<x.rank { position += (index[axis] % x.shape[axis]) * strides[axis] }
      source[flat] = position
    }
    return x.gathering(source, shape: shape)
  }

  func transpose(_ x: TensorValue, _ perm: [Int]) throws -> TensorValue {
    guard perm.count == x.rank, Set(perm) == Set(0..<x.rank) else {
      throw BiDenseError("Transpose of a \(x.rank)-D tensor by \(perm)")
    }
    let shape = perm.map { x.shape[$0] }
    let strides = Strides.of(x.shape)
    var source = [Int](repeating: 0, count: x.count)
    Strides.forEach(shape) { index, flat in
      var position = 0
      for (k, axis) in perm.enumerated() { position += index[k] * strides[axis] }
      source[flat] = position
    }
    return x.gathering(source, shape: shape)
  }

  func gather(_ x: TensorValue, _ indicesValue: TensorValue, axis given: Int) throws
    -> TensorValue
  {
    let axis = try normalized(given, rank: x.rank, "axis")
    let dim = x.shape[axis]
    let indices = try indicesValue.ints("the indices").map { i -> Int in
      let j = i < 0 ? i + Int64(dim) : i
      guard j >= 0, j < Int64(dim) else {
        throw BiDenseError("Gather index \(i) is outside an axis of size \(dim)")
      }
      return Int(j)
    }
    let outer = Array(x.shape[..<axis])
    let inner = Array(x.shape[(axis + 1)...])
    let shape = outer + indicesValue.shape + inner
    try check(shape)
    let innerCount = inner.reduce(1, *)
    var source: [Int] = []
    source.reserveCapacity(shape.reduce(1, *))
    for o in 0..<outer.reduce(1, *) {
      for i in indices {
        let base = (o * dim + i) * innerCount
        source += base..<(base + innerCount)
      }
    }
    return x.gathering(source, shape: shape)
  }

  func gatherND(_ x: TensorValue, _ indicesValue: TensorValue) throws -> TensorValue {
    let indices = try indicesValue.ints("the indices")
    guard let k = indicesValue.shape.last, k >= 1, k <= x.rank else {
      throw BiDenseError("GatherND indices of shape \(indicesValue.shape) on a \(x.rank)-D tensor")
    }
    let tuples = indicesValue.shape.dropLast()
    let inner = Array(x.shape[k...])
    let shape = Array(tuples) + inner
    try check(shape)
    let strides = Strides.of(x.shape)
    let innerCount = inner.reduce(1, *)
    var source: [Int] = []
    source.reserveCapacity(shape.reduce(1, *))
    for t in 0..<tuples.reduce(1, *) {
      var base = 0
      for axis in 0..<k {
        let i = indices[t * k + axis]
        let dim = Int64(x.shape[axis])
        let j = i < 0 ? i + dim : i
        guard j >= 0, j < dim else {
          throw BiDenseError("GatherND index \(i) is outside an axis of size \(dim)")
        }
        base += Int(j) * strides[axis]
      }
      source += base..<(base + innerCount)
    }
    return x.gathering(source, shape: shape)
  }

  func range(_ start: TensorValue, _ limit: TensorValue, _ delta: TensorValue) throws
    -> TensorValue
  {
    if case .float = start.elements {
      let (a, b, d) = (
        try start.scalar("start"), try limit.scalar("limit"), try delta.scalar("delta")
      )
      guard d != 0, a.isFinite, b.isFinite, d.isFinite else {
        throw BiDenseError("Range from \(a) to \(b) by \(d)")
      }
      let count = Swift.max(0, ((b - a) / d).rounded(.up))
      try check([count <= Double(Int32.max) ? Int(count) : Int(Int32.max)])
      return TensorValue(
        shape: [Int(count)], floats: (0..<Int(count)).map { Float(a + Double($0) * d) })
    }
    guard let a = try start.ints("start").first, let b = try limit.ints("limit").first,
      let d = try delta.ints("delta").first, start.count == 1, limit.count == 1, delta.count == 1,
      d != 0
    else {
      throw BiDenseError("Range needs three scalars and a nonzero delta")
    }
    let (span, overflow) = b.subtractingReportingOverflow(a)
    guard !overflow else { throw BiDenseError("Range from \(a) to \(b) overflows") }
    let (quotient, q) = span.dividedReportingOverflow(by: d)
    let (remainder, r) = span.remainderReportingOverflow(dividingBy: d)
    guard !q, !r else { throw BiDenseError("Range from \(a) to \(b) by \(d) overflows") }
    let count = Swift.max(0, quotient + (remainder != 0 && (span < 0) == (d < 0) ? 1 : 0))
    try check([Int(Swift.min(count, Int64(Int32.max)))])
    var values: [Int64] = []
    var v = a
    for _ in 0..<Int(count) {
      values.append(v)
      v = v &+ d
    }
    return TensorValue(shape: [Int(count)], ints: values)
  }

  // MARK: Checks

  /// A shape's elements are within the work limits.
  func check(_ shape: [Int]) throws {
    guard shape.allSatisfy({ $0 >= 0 }), let count = Checked.product(shape),
      count <= limits.maxTensorElements
    else {
      throw BiDenseError(
        "a tensor of shape \(shape) is over the limit of \(limits.maxTensorElements) elements "
          + "(--max-tensor-elements raises it)")
    }
  }

  /// A shape given as a tensor of non-negative integers.
  func dimensions(_ value: TensorValue, _ what: String) throws -> [Int] {
    let dims = try value.ints(what)
    guard value.rank <= 1, dims.allSatisfy({ $0 >= 0 && $0 <= Int64(Int32.max) }) else {
      throw BiDenseError("\(what) \(value.summary) is not a shape")
    }
    return dims.map { Int($0) }
  }

  func normalized(_ axis: Int, rank: Int, _ what: String) throws -> Int {
    let a = axis < 0 ? axis + rank : axis
    guard a >= 0, a < rank else {
      throw BiDenseError("\(what) \(axis) is outside a tensor of rank \(rank)")
    }
    return a
  }
}
