import BiDenseIR
import Foundation

extension Interpreter {
  /// The per-channel statistics of the DAB for one input: the threshold tau and the scale s.
  public struct BinarizerStatistics: Sendable {
    public var threshold: [Float]
    public var scale: [Float]
  }

  /// tau_c = k_c · mean(x_c) + b_c and s_c = exp(alpha_c · (mean|x_c − tau_c| − 1)), with the
  /// means accumulated in double and each later step rounded to float as PyTorch does.
  public static func binarizerStatistics(_ x: Tensor, _ p: Binarizer) -> BinarizerStatistics {
    let pixels = x.shape.pixels
    var threshold = [Float](repeating: 0, count: x.shape.channels)
    var scale = [Float](repeating: 0, count: x.shape.channels)
    for c in 0..<x.shape.channels {
      let plane = x.data[(c * pixels)..<((c + 1) * pixels)]
      var sum = 0.0
      for v in plane { sum += Double(v) }
      let mean = Float(sum / Double(pixels))
      let tau = p.k[c] * mean + p.b[c]
      var deviation = 0.0
      for v in plane { deviation += Double(abs(v - tau)) }
      let meanDeviation = Float(deviation / Double(pixels))
      threshold[c] = tau
      scale[c] = exp(p.alpha[c] * (meanDeviation - 1))
    }
    if p.layerScale {
      let mean = Float(scale.reduce(0.0) { $0 + Double($1) } / Double(scale.count))
      scale = [Float](repeating: mean, count: scale.count)
    }
    return BinarizerStatistics(threshold: threshold, scale: scale)
  }

  /// dab(x) = s_c · sign(x − tau_c), with sign(0) = +1 (a bit cannot hold 0).
  public static func binarize(_ x: Tensor, _ p: Binarizer) -> Tensor {
    let stats = binarizerStatistics(x, p)
    var out = x
    let pixels = x.shape.pixels
    for c in 0..<x.shape.channels {
      for i in (c * pixels)..<((c + 1) * pixels) {
        out.data[i] = sign(x.data[i] - stats.threshold[c]) * stats.scale[c]
      }
    }
    return out
  }

  /// +1 for x ≥ 0 (zero included), −1 below; NaN stays NaN.
  @inline(__always)
  public static func sign(_ x: Float) -> Float {
    x.isNaN ? x : (x >= 0 ? 1 : -1)
  }
}
