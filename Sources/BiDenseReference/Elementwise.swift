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
    case .layerScale(let gamma): return v * gamma[c]
    case .gelu: return gelu(v)
    }
  }

  /// GELU with the exact erf, in float32 as PyTorch's CPU kernel computes it:
  /// `x * 0.5 * (1 + erf(x * M_SQRT1_2))`, left to right. Below about −5.54 the erf rounds to
  /// −1 and the result is −0.
  @inline(__always)
  public static func gelu(_ x: Float) -> Float { GELU.value(x) }

  /// An elementwise op on every element; the channel comes from the plane of an image and
  /// from the last axis of tokens.
  public static func elementwise(_ x: Tensor, _ op: ElementwiseOp) -> Tensor {
    var out = x
    for i in x.data.indices {
      out.data[i] = apply(op, x.data[i], channel: x.shape.channel(ofElement: i))
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
