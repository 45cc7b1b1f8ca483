import BiDenseIR
import Dispatch

extension Interpreter {
  /// y[t, o] = scale_o · Σ_i sign(x[t, i] + move_i) · sign(W[o, i] − mean W[o, :]) + bias_o,
  /// with the ternary sign on both sides: the sum is an exact integer, then one float32
  /// multiply and one float32 add (PyTorch sums ±scale_o terms instead, equal up to rounding).
  /// A NaN in a row makes that row's outputs NaN, as in PyTorch. Tokens are independent, so
  /// they are spread over the processor's cores; each is a plain loop.
  public static func binaryLinear(_ x: Tensor, _ linear: BinaryLinear) -> Tensor {
    let signs = linear.weightSigns.map { Int32($0) }
    let inFeatures = linear.inFeatures
    let outFeatures = linear.outFeatures
    let tokens = x.shape.tokens
    var out = Tensor(zeros: TensorShape(tokens: tokens, channels: outFeatures))
    out.data.withUnsafeMutableBufferPointer { output in
      let base = UncheckedSendable(output.baseAddress!)
      DispatchQueue.concurrentPerform(iterations: tokens) { t in
        var poisoned = false
        var row = [Int32](repeating: 0, count: inFeatures)
        for i in 0..<inFeatures {
          let v = x.data[t * inFeatures + i] + (linear.move?[i] ?? 0)
          poisoned = poisoned || v.isNaN
          row[i] = Int32(Ternary.sign(v))
        }
        for o in 0..<outFeatures {
          var dot: Int32 = 0
          for i in 0..<inFeatures { dot &+= row[i] &* signs[o * inFeatures + i] }
          base.value[t * outFeatures + o] =
            poisoned
            ? .nan : ternaryLinearOutput(Int(dot), scale: linear.scale[o], bias: linear.bias[o])
        }
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
