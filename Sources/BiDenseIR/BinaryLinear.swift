/// A binary linear layer on tokens: the ViT's `BinaryLinear_STE` and
/// `BinaryLinear_adapscaling`, and BiDense's `BinaryLinear` of the DPT readout. On tokens x
/// [T, C_in], with the ternary sign (sign(0) = 0) on both sides:
///
///     y[t, o] = scale_o · Σ_i sign(x[t, i] + move_i) · sign(W[o, i] − mean_i W[o, :]) + bias_o
///
/// The sum is an exact integer; `scale` is the mean |W| of the uncentred row or a learned
/// vector, resolved by the frontend. Only the readout's layer has a `move`.
public struct BinaryLinear: Sendable {
  public var inFeatures: Int
  public var outFeatures: Int
  /// [out, in], row-major, as PyTorch stores it.
  public var weight: [Float]
  /// One factor per output.
  public var scale: [Float]
  /// One per output (zeros for a layer without one).
  public var bias: [Float]
  /// Added to the input before its sign, one per input channel (the readout's `move`).
  public var move: [Float]?

  public init(
    inFeatures: Int, outFeatures: Int, weight: [Float], scale: [Float], bias: [Float],
    move: [Float]? = nil
  ) {
    self.inFeatures = inFeatures
    self.outFeatures = outFeatures
    self.weight = weight
    self.scale = scale
    self.bias = bias
    self.move = move
  }

  public var parameterCount: Int {
    weight.count + scale.count + bias.count + (move?.count ?? 0)
  }

  /// The ternary weight signs sign(W[o, i] − mean_i W[o, :]), [out, in]: the row mean is
  /// summed in double and rounded to float32, the difference is float32, as PyTorch's
  /// `weight - mean(weight, -1)`.
  public var weightSigns: [Int8] {
    var signs = [Int8](repeating: 0, count: weight.count)
    for o in 0..<outFeatures {
      let row = weight[(o * inFeatures)..<((o + 1) * inFeatures)]
      var total = 0.0
      for w in row { total += Double(w) }
      let mean = Float(total / Double(inFeatures))
      for (i, w) in row.enumerated() { signs[o * inFeatures + i] = Ternary.sign(w - mean) }
    }
    return signs
  }

  /// mean_i |W[o, i]| per output row, summed in double and rounded to float32: the scale of
  /// `BinaryLinear_STE` and of the readout's `BinaryLinear`, and the initial scale of an
  /// untrained `BinaryLinear_adapscaling`.
  public static func meanAbsoluteWeight(_ weight: [Float], outFeatures: Int) -> [Float] {
    let inFeatures = weight.count / max(outFeatures, 1)
    return (0..<outFeatures).map { o in
      var total = 0.0
      for w in weight[(o * inFeatures)..<((o + 1) * inFeatures)] { total += Double(abs(w)) }
      return Float(total / Double(inFeatures))
    }
  }
}

/// The ternary sign of the ViT encoder: PyTorch's `torch.sign`, where 0 stays 0.
public enum Ternary {
  /// +1 above 0, −1 below, 0 for ±0 (and for NaN, which a packed sign cannot hold).
  @inline(__always)
  public static func sign(_ x: Float) -> Int8 {
    x > 0 ? 1 : (x < 0 ? -1 : 0)
  }
}

extension BinaryLinear {
  /// A weight [out, in] whose ternary signs (`weightSigns`) are `signs`, for a layer known only
  /// by them (an exporter's folded scale · sign(W − row mean)). In each row the positive signs
  /// become the number of negative ones and the negative signs minus the number of positive
  /// ones: the row sums to exactly 0, so its mean is 0 and every sign stays. Nil when a row
  /// has signs of one kind only, beside zeros or alone: no weight gives that, since the row
  /// mean lies between the row's smallest and largest elements.
  public static func weight(fromSigns signs: [Int8], outFeatures: Int) -> [Float]? {
    guard outFeatures > 0, signs.count % outFeatures == 0 else { return nil }
    let inFeatures = signs.count / outFeatures
    var weight = [Float](repeating: 0, count: signs.count)
    for o in 0..<outFeatures {
      let row = signs[(o * inFeatures)..<((o + 1) * inFeatures)]
      let positives = row.filter { $0 > 0 }.count
      let negatives = row.filter { $0 < 0 }.count
      if positives == 0 && negatives == 0 { continue }
      guard positives > 0, negatives > 0 else { return nil }
      for (k, s) in row.enumerated() where s != 0 {
        weight[o * inFeatures + k] = s > 0 ? Float(negatives) : -Float(positives)
      }
    }
    return weight
  }
}
