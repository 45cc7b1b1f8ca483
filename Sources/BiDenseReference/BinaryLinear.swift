import BiDenseIR

extension Interpreter {
  /// y[t, o] = scale_o · Σ_i sign(x[t, i] + move_i) · sign(W[o, i] − mean W[o, :]) + bias_o,
  /// with the ternary sign on both sides: the sum is an exact integer, then one float32
  /// multiply and one float32 add (PyTorch sums ±scale_o terms instead, equal up to rounding).
  /// A NaN in a row makes that row's outputs NaN, as in PyTorch.
  public static func binaryLinear(_ x: Tensor, _ linear: BinaryLinear) -> Tensor {
    let signs = linear.weightSigns
    let inFeatures = linear.inFeatures
    let outFeatures = linear.outFeatures
    let tokens = x.shape.tokens
    var out = Tensor(zeros: TensorShape(tokens: tokens, channels: outFeatures))
    var row = [Int8](repeating: 0, count: inFeatures)
    for t in 0..<tokens {
      var poisoned = false
      for i in 0..<inFeatures {
        let v = x.data[t * inFeatures + i] + (linear.move?[i] ?? 0)
        poisoned = poisoned || v.isNaN
        row[i] = Ternary.sign(v)
      }
      for o in 0..<outFeatures {
        var dot = 0
        for i in 0..<inFeatures { dot += Int(row[i]) * Int(signs[o * inFeatures + i]) }
        out.data[t * outFeatures + o] =
          poisoned ? .nan : ternaryLinearOutput(dot, scale: linear.scale[o], bias: linear.bias[o])
      }
    }
    return out
  }

  /// scale · dot + bias from the exact integer dot: a float32 multiply, then a float32 add.
  @inline(__always)
  public static func ternaryLinearOutput(_ dot: Int, scale: Float, bias: Float) -> Float {
    let scaled = Float(dot) * scale
    return scaled + bias
  }
}
