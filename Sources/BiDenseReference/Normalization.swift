import BiDenseIR

extension Interpreter {
  /// BatchNorm2d in eval mode: (x − running_mean) / sqrt(running_var + eps) · weight + bias.
  @inline(__always)
  public static func batchNorm(_ v: Float, _ bn: BatchNorm, channel c: Int) -> Float {
    let invStd = 1 / (bn.runningVar[c] + bn.epsilon).squareRoot()
    return (v - bn.runningMean[c]) * invStd * bn.weight[c] + bn.bias[c]
  }
}

extension Interpreter {
  /// LayerNorm over each token's channels: the mean and the biased variance summed in double
  /// and rounded to float32, then per element (x − mean) · rstd · weight + bias in float32,
  /// with rstd = 1 / sqrt(var + eps).
  public static func layerNorm(_ x: Tensor, _ norm: LayerNorm) -> Tensor {
    var out = x
    let channels = x.shape.channels
    for t in 0..<x.shape.tokens {
      let row = x.data[(t * channels)..<((t + 1) * channels)]
      let (mean, rstd) = layerNormStatistics(row, epsilon: norm.epsilon)
      for (c, v) in row.enumerated() {
        out.data[t * channels + c] = (v - mean) * rstd * norm.weight[c] + norm.bias[c]
      }
    }
    return out
  }

  /// A row's mean and 1 / sqrt(var + eps), as `layerNorm` uses them.
  public static func layerNormStatistics(_ row: ArraySlice<Float>, epsilon: Float) -> (
    mean: Float, rstd: Float
  ) {
    var sum = 0.0
    for v in row { sum += Double(v) }
    let mean = Float(sum / Double(row.count))
    var squares = 0.0
    for v in row {
      let d = Double(v) - Double(mean)
      squares += d * d
    }
    let variance = Float(squares / Double(row.count))
    return (mean, 1 / (variance + epsilon).squareRoot())
  }
}
