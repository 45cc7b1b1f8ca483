import BiDenseIR

extension Interpreter {
  /// BatchNorm2d in eval mode: (x − running_mean) / sqrt(running_var + eps) · weight + bias.
  @inline(__always)
  public static func batchNorm(_ v: Float, _ bn: BatchNorm, channel c: Int) -> Float {
    let invStd = 1 / (bn.runningVar[c] + bn.epsilon).squareRoot()
    return (v - bn.runningMean[c]) * invStd * bn.weight[c] + bn.bias[c]
  }
}
