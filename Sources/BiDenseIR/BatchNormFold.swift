/// BatchNorm folded into one multiply-add per channel, computed in double.
public enum BatchNormFold {
  /// y = x · scale + shift with scale = γ/σ and shift = β − mean · γ/σ.
  public static func perChannel(_ bn: BatchNorm) -> (scale: [Float], shift: [Float]) {
    afterConvolution(bn, weightScale: nil, bias: nil)
  }

  /// BN(a·acc + bias) = acc · (a·γ/σ) + ((bias − mean)·γ/σ + β).
  public static func afterConvolution(_ bn: BatchNorm, weightScale: [Float]?, bias: [Float]?) -> (
    scale: [Float], shift: [Float]
  ) {
    var scale: [Float] = []
    var shift: [Float] = []
    for o in bn.weight.indices {
      let gamma = Double(bn.weight[o]) / Double((bn.runningVar[o] + bn.epsilon).squareRoot())
      let a = weightScale.map { Double($0[o]) } ?? 1
      let b = Double(bias?[o] ?? 0)
      scale.append(Float(a * gamma))
      shift.append(Float((b - Double(bn.runningMean[o])) * gamma + Double(bn.bias[o])))
    }
    return (scale, shift)
  }
}
