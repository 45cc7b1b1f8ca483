import BiDenseIR
import Foundation

extension Interpreter {
  /// The value of one elementwise op at one element of channel `c`.
  @inline(__always)
  public static func apply(_ op: ElementwiseOp, _ v: Float, channel c: Int) -> Float {
    switch op {
    case .learnableBias(let bias): return v + bias[c]
    case .prelu(let weight): return v >= 0 ? v : weight[c] * v
    case .relu: return v < 0 ? 0 : v  // NaN stays NaN, as in PyTorch
    case .sigmoid: return 1 / (1 + exp(-v))
    case .multiply(let factor): return v * factor
    case .batchNorm(let bn): return batchNorm(v, bn, channel: c)
    }
  }

  public static func elementwise(_ x: Tensor, _ op: ElementwiseOp) -> Tensor {
    var out = x
    let pixels = x.shape.pixels
    for c in 0..<x.shape.channels {
      for i in (c * pixels)..<((c + 1) * pixels) { out.data[i] = apply(op, x.data[i], channel: c) }
    }
    return out
  }

  public static func add(_ a: Tensor, _ b: Tensor) -> Tensor {
    var out = a
    for i in out.data.indices { out.data[i] += b.data[i] }
    return out
  }

  /// Concatenation along channels: NCHW with batch 1 makes it a plain append.
  public static func concat(_ parts: [Tensor]) -> Tensor {
    let channels = parts.reduce(0) { $0 + $1.shape.channels }
    let shape = TensorShape(
      channels: channels, height: parts[0].shape.height, width: parts[0].shape.width)
    return Tensor(shape: shape, data: parts.flatMap(\.data))
  }
}
