import Foundation

@testable import BiDenseFrontend
@testable import BiDenseIR

/// Runs an ONNX graph node by node, straight from the ONNX operator definitions, with none of
/// the importer's patterns: the data-movement and elementwise ops through ONNXEvaluator, and
/// here the ops the evaluator leaves out (Conv, ConvTranspose, BatchNormalization,
/// AveragePool, Resize, PRelu, and the ViT's MatMul, Softmax, Erf and LayerNormalization). The tests compare what it computes with what the interpreter
/// computes on the importer's primitive graph: an import that computes something other than
/// the ONNX graph shows up as a difference. Batch 1, NCHW, float32 with double sums.
struct ONNXReferenceRunner {
  let model: ONNXModel
  var evaluator = ONNXEvaluator(limits: WorkLimits(maxTensorElements: 1 << 24))

  struct Unsupported: Error {
    var op: String
  }

  /// The graph's outputs on `inputs` (one per real graph input, in order).
  func run(_ inputs: [TensorValue]) throws -> [TensorValue] {
    var values: [String: TensorValue] = [:]
    for tensor in model.graph.initializers { values[tensor.name] = try TensorValue(tensor) }
    let real = model.graph.inputs.filter { values[$0.name] == nil }
    for (info, value) in zip(real, inputs) { values[info.name] = value }
    for node in model.graph.nodes {
      let args = node.inputs.map { $0.isEmpty ? nil : values[$0] }
      guard let output = node.outputs.first else { continue }
      values[output] = try evaluate(node, args)
    }
    return try model.graph.outputs.map {
      guard let v = values[$0.name] else { throw Unsupported(op: "output \($0.name)") }
      return v
    }
  }

  func evaluate(_ node: ONNXNode, _ args: [TensorValue?]) throws -> TensorValue {
    func input(_ k: Int) throws -> TensorValue {
      guard k < args.count, let v = args[k] else { throw Unsupported(op: node.opType) }
      return v
    }
    switch node.opType {
    case "Conv", "ConvTranspose":
      let bias = args.count > 2 ? args[2] : nil
      return try convolve(node, try input(0), try input(1), bias)
    case "BatchNormalization":
      let x = try input(0)
      let p = try (1...4).map { try input($0).floats() }
      let eps = try node.float("epsilon") ?? 1e-5
      guard x.rank >= 2, p.allSatisfy({ $0.count == x.shape[1] }) else {
        throw Unsupported(op: node.opType)
      }
      return try perChannel(x) { c, v in
        (v - p[2][c]) / (p[3][c] + eps).squareRoot() * p[0][c] + p[1][c]
      }
    case "PRelu":
      let x = try input(0)
      let slope = try input(1)
      let shape =
        try Strides.broadcast(x.shape, slope.shape) ?? { throw Unsupported(op: "PRelu") }()
      let xs = try x.floats()
      let ss = try slope.gathering(Strides.broadcastSource(slope.shape, to: shape), shape: shape)
        .floats()
      return TensorValue(shape: shape, floats: zip(xs, ss).map { $0 < 0 ? $1 * $0 : $0 })
    case "AveragePool":
      return try averagePool(node, try input(0))
    case "MatMul":
      return try matMul(try input(0), try input(1))
    case "Softmax":
      guard try node.int("axis", default: -1) == -1 else { throw Unsupported(op: "Softmax") }
      return try lastAxis(try input(0)) { row in
        // PyTorch's float32 softmax: exp of the difference to the row's maximum, normalised.
        let best = row.max() ?? 0
        let e = row.map { Foundation.exp($0 - best) }
        let total = e.reduce(Float(0), +)
        return e.map { $0 / total }
      }
    case "Erf":
      let x = try input(0)
      return TensorValue(shape: x.shape, floats: try x.floats().map { Foundation.erf($0) })
    case "LayerNormalization":
      guard try node.int("axis", default: -1) == -1 else {
        throw Unsupported(op: "LayerNormalization")
      }
      let weight = try input(1).floats()
      let bias = args.count > 2 ? try args[2]?.floats() : nil
      let eps = Double(try node.float("epsilon") ?? 1e-5)
      return try lastAxis(try input(0)) { row in
        let mean = row.reduce(0.0) { $0 + Double($1) } / Double(row.count)
        let variance = row.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) }
        let scale = 1 / (variance / Double(row.count) + eps).squareRoot()
        return row.indices.map { c in
          Float((Double(row[c]) - mean) * scale) * weight[c] + (bias?[c] ?? 0)
        }
      }
    case "Resize":
      return try resize(
        node, try input(0), args.count > 2 ? args[2] : nil, args.count > 3 ? args[3] : nil)
    default:
      guard ONNXEvaluator.supported.contains(node.opType) else {
        throw Unsupported(op: node.opType)
      }
      return try evaluator.evaluate(node, args)
    }
  }

  /// `f` applied to each row along the last axis.
  func lastAxis(_ x: TensorValue, _ f: ([Float]) -> [Float]) throws -> TensorValue {
    let v = try x.floats()
    guard let width = x.shape.last, width > 0 else { throw Unsupported(op: "empty rows") }
    var out: [Float] = []
    out.reserveCapacity(v.count)
    for start in stride(from: 0, to: v.count, by: width) {
      out += f(Array(v[start..<(start + width)]))
    }
    return TensorValue(shape: x.shape, floats: out)
  }

  /// ONNX MatMul (numpy's matmul): the last two axes multiplied, the leading ones equal or
  /// the second operand a matrix; double sums.
  func matMul(_ a: TensorValue, _ b: TensorValue) throws -> TensorValue {
    guard a.rank >= 2, b.rank >= 2, b.rank == 2 || b.shape.dropLast(2) == a.shape.dropLast(2),
      a.shape[a.rank - 1] == b.shape[b.rank - 2]
    else { throw Unsupported(op: "MatMul of \(a.shape) and \(b.shape)") }
    let (n, k, m) = (a.shape[a.rank - 2], a.shape[a.rank - 1], b.shape[b.rank - 1])
    let batches = a.shape.dropLast(2).reduce(1, *)
    let (x, y) = (try a.floats(), try b.floats())
    var out = [Float](repeating: 0, count: batches * n * m)
    for batch in 0..<batches {
      let (xBase, yBase) = (batch * n * k, b.rank == 2 ? 0 : batch * k * m)
      for i in 0..<n {
        for j in 0..<m {
          var sum = 0.0
          for l in 0..<k { sum += Double(x[xBase + i * k + l]) * Double(y[yBase + l * m + j]) }
          out[(batch * n + i) * m + j] = Float(sum)
        }
      }
    }
    return TensorValue(shape: a.shape.dropLast() + [m], floats: out)
  }

  func perChannel(_ x: TensorValue, _ f: (Int, Float) -> Float) throws -> TensorValue {
    let v = try x.floats()
    let pixels = x.shape.dropFirst(2).reduce(1, *)
    return TensorValue(
      shape: x.shape,
      floats: v.enumerated().map { f(($0.offset / pixels) % x.shape[1], $0.element) })
  }

  func convolve(_ node: ONNXNode, _ x: TensorValue, _ w: TensorValue, _ b: TensorValue?) throws
    -> TensorValue
  {
    guard x.rank == 4, w.rank == 4 else { throw Unsupported(op: node.opType) }
    let transposed = node.opType == "ConvTranspose"
    let groups = try node.int("group", default: 1)
    let s = try node.ints("strides") ?? [1, 1]
    let d = try node.ints("dilations") ?? [1, 1]
    let p = try node.ints("pads") ?? [0, 0, 0, 0]
    let (c, h, wd) = (x.shape[1], x.shape[2], x.shape[3])
    let (kh, kw) = (w.shape[2], w.shape[3])
    let xs = try x.floats()
    let ws = try w.floats()
    let bias = try b?.floats()
    guard groups > 0, c % groups == 0, s.count == 2, d.count == 2, p.count == 4,
      (s + d).allSatisfy({ $0 > 0 }), p.allSatisfy({ $0 >= 0 }), xs.count == c * h * wd,
      ws.count == w.shape.reduce(1, *)
    else { throw Unsupported(op: node.opType) }
    if !transposed {
      let o = w.shape[0]
      let cg = w.shape[1]
      let og = o / groups
      let oh = (h + p[0] + p[2] - d[0] * (kh - 1) - 1) / s[0] + 1
      let ow = (wd + p[1] + p[3] - d[1] * (kw - 1) - 1) / s[1] + 1
      guard cg * groups == c, o % groups == 0, oh > 0, ow > 0, (bias?.count ?? o) == o else {
        throw Unsupported(op: node.opType)
      }
      var out = [Float](repeating: 0, count: o * oh * ow)
      for oc in 0..<o {
        let g = oc / og
        for y in 0..<oh {
          for xo in 0..<ow {
            var sum = 0.0
            for ci in 0..<cg {
              let cin = g * cg + ci
              for i in 0..<kh {
                let iy = y * s[0] - p[0] + i * d[0]
                guard iy >= 0, iy < h else { continue }
                for j in 0..<kw {
                  let ix = xo * s[1] - p[1] + j * d[1]
                  guard ix >= 0, ix < wd else { continue }
                  sum +=
                    Double(xs[(cin * h + iy) * wd + ix])
                    * Double(ws[((oc * cg + ci) * kh + i) * kw + j])
                }
              }
            }
            out[(oc * oh + y) * ow + xo] = Float(sum) + (bias?[oc] ?? 0)
          }
        }
      }
      return TensorValue(shape: [1, o, oh, ow], floats: out)
    }
    let og = w.shape[1]
    let o = og * groups
    let cg = c / groups
    let oh = (h - 1) * s[0] - p[0] - p[2] + d[0] * (kh - 1) + 1
    let ow = (wd - 1) * s[1] - p[1] - p[3] + d[1] * (kw - 1) + 1
    guard w.shape[0] == c, oh > 0, ow > 0, (bias?.count ?? o) == o else {
      throw Unsupported(op: node.opType)
    }
    var sums = [Double](repeating: 0, count: o * oh * ow)
    for cin in 0..<c {
      let g = cin / cg
      for iy in 0..<h {
        for ix in 0..<wd {
          let v = Double(xs[(cin * h + iy) * wd + ix])
          for oj in 0..<og {
            let oc = g * og + oj
            for i in 0..<kh {
              let y = iy * s[0] - p[0] + i * d[0]
              guard y >= 0, y < oh else { continue }
              for j in 0..<kw {
                let xo = ix * s[1] - p[1] + j * d[1]
                guard xo >= 0, xo < ow else { continue }
                sums[(oc * oh + y) * ow + xo] += v * Double(ws[((cin * og + oj) * kh + i) * kw + j])
              }
            }
          }
        }
      }
    }
    let plane = oh * ow
    return TensorValue(
      shape: [1, o, oh, ow],
      floats: sums.enumerated().map { Float($0.element) + (bias?[$0.offset / plane] ?? 0) })
  }

  func averagePool(_ node: ONNXNode, _ x: TensorValue) throws -> TensorValue {
    guard let k = try node.ints("kernel_shape"), x.rank == 4 else {
      throw Unsupported(op: "AveragePool")
    }
    let s = try node.ints("strides") ?? [1, 1]
    let p = try node.ints("pads") ?? [0, 0, 0, 0]
    let countPad = try node.int("count_include_pad", default: 0) == 1
    let (c, h, w) = (x.shape[1], x.shape[2], x.shape[3])
    guard k.count == 2, s.count == 2, p.count == 4, (k + s).allSatisfy({ $0 > 0 }) else {
      throw Unsupported(op: "AveragePool")
    }
    let oh = (h + p[0] + p[2] - k[0]) / s[0] + 1
    let ow = (w + p[1] + p[3] - k[1]) / s[1] + 1
    guard oh > 0, ow > 0 else { throw Unsupported(op: "AveragePool") }
    let xs = try x.floats()
    var out: [Float] = []
    for ch in 0..<c {
      for y in 0..<oh {
        for xo in 0..<ow {
          var sum: Float = 0
          var n = 0
          for i in 0..<k[0] {
            for j in 0..<k[1] {
              let (iy, ix) = (y * s[0] - p[0] + i, xo * s[1] - p[1] + j)
              guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
              sum += xs[(ch * h + iy) * w + ix]
              n += 1
            }
          }
          out.append(sum / Float(countPad ? k[0] * k[1] : n))
        }
      }
    }
    return TensorValue(shape: [1, c, oh, ow], floats: out)
  }

  /// Resize as the ONNX specification defines the modes the exporters use: nearest with
  /// asymmetric coordinates and floor, linear with align_corners.
  func resize(_ node: ONNXNode, _ x: TensorValue, _ scales: TensorValue?, _ sizes: TensorValue?)
    throws -> TensorValue
  {
    let (c, h, w) = (x.shape[1], x.shape[2], x.shape[3])
    let mode = try node.string("mode") ?? "nearest"
    let transform = try node.string("coordinate_transformation_mode") ?? "half_pixel"
    var scale: [Double] = [1, 1]
    var out = [h, w]
    if let sizes, try sizes.ints().count == 4 {
      let v = try sizes.ints()
      out = [Int(v[2]), Int(v[3])]
      scale = [Double(out[0]) / Double(h), Double(out[1]) / Double(w)]
    } else if let scales, try scales.floats().count == 4 {
      let v = try scales.floats()
      scale = [Double(v[2]), Double(v[3])]
      out = [Int((Float(h) * v[2]).rounded(.down)), Int((Float(w) * v[3]).rounded(.down))]
    }
    guard x.rank == 4, out.allSatisfy({ $0 > 0 && $0 < 1 << 16 }), scale.allSatisfy({ $0 > 0 })
    else { throw Unsupported(op: "Resize") }
    let xs = try x.floats()
    func source(_ o: Int, _ axis: Int, _ size: Int) -> Double {
      transform == "align_corners"
        ? (out[axis] == 1 ? 0 : Double(o) * Double(size - 1) / Double(out[axis] - 1))
        : Double(o) / scale[axis]
    }
    var result: [Float] = []
    for ch in 0..<c {
      for y in 0..<out[0] {
        for xo in 0..<out[1] {
          let sy = source(y, 0, h)
          let sx = source(xo, 1, w)
          if mode == "nearest" {
            let iy = min(h - 1, Int(sy.rounded(.down)))
            let ix = min(w - 1, Int(sx.rounded(.down)))
            result.append(xs[(ch * h + iy) * w + ix])
            continue
          }
          let y0 = min(h - 1, Int(sy.rounded(.down)))
          let x0 = min(w - 1, Int(sx.rounded(.down)))
          let (y1, x1) = (min(h - 1, y0 + 1), min(w - 1, x0 + 1))
          let (fy, fx) = (Float(sy - Double(y0)), Float(sx - Double(x0)))
          let v = { (yy: Int, xx: Int) in xs[(ch * h + yy) * w + xx] }
          let top = v(y0, x0) + (v(y0, x1) - v(y0, x0)) * fx
          let bottom = v(y1, x0) + (v(y1, x1) - v(y1, x0)) * fx
          result.append(top + (bottom - top) * fy)
        }
      }
    }
    return TensorValue(shape: [1, c, out[0], out[1]], floats: result)
  }
}
