extension Interpreter {
  /// BatchNorm2d in eval mode: (x − running_mean) / sqrt(running_var + eps) · weight + bias.
  public static func batchNorm(_ x: Tensor, _ bn: BatchNorm) -> Tensor {
    var out = x
    let pixels = x.shape.pixels
    for c in 0..<x.shape.channels {
      let invStd = 1 / (bn.runningVar[c] + bn.epsilon).squareRoot()
      for i in (c * pixels)..<((c + 1) * pixels) {
        out.data[i] = (x.data[i] - bn.runningMean[c]) * invStd * bn.weight[c] + bn.bias[c]
      }
    }
    return out
  }
}
