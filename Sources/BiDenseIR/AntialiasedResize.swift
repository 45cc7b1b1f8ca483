/// torchvision's `resize` (bilinear, antialias=True), which BiDense-DPT applies to an input
/// whose sides are not multiples of 28: `F.interpolate(size, mode="bilinear",
/// align_corners=False, antialias=True)`. It is separable; along one axis of `input`
/// positions resized to `output`, with scale = input / output, output i reads
///
///     c = scale · (i + 0.5),  j from max(⌊c − s + 0.5⌋, 0) to min(⌊c + s + 0.5⌋, input) − 1
///     w_j = max(0, 1 − |j + 0.5 − c| / s'),  normalised to sum 1
///
/// with support s = max(scale, 1) and s' = max(scale, 1) (a triangle stretched by the scale
/// when shrinking). The weights depend on the sizes only, so the interpreter and the
/// generated C share them (computed in double, rounded to float32).
public struct AntialiasedResizeAxis: Sendable, Equatable {
  /// Per output position, the first input position it reads.
  public var starts: [Int]
  /// Per output position, its weights, `taps` of them, for inputs start ..< start + taps
  /// (zero outside the window; every start + taps lies within the input).
  public var weights: [[Float]]
  /// The widest window.
  public var taps: Int

  public init(input: Int, output: Int) {
    let scale = Double(input) / Double(output)
    let support = max(scale, 1)
    var starts: [Int] = []
    var weights: [[Float]] = []
    for i in 0..<output {
      let center = scale * (Double(i) + 0.5)
      let low = max(Int(center - support + 0.5), 0)
      let high = min(Int(center + support + 0.5), input)
      var row: [Double] = []
      for j in low..<max(high, low) {
        row.append(max(0, 1 - abs(Double(j) + 0.5 - center) / support))
      }
      let total = row.reduce(0, +)
      starts.append(low)
      weights.append(row.map { Float(total > 0 ? $0 / total : 0) })
    }
    let taps = weights.map(\.count).max() ?? 0
    // A window cut short by the input's end starts earlier, with zeros in front.
    for i in weights.indices where weights[i].count < taps {
      let count = weights[i].count
      let start = min(starts[i], max(input - taps, 0))
      let front = starts[i] - start
      weights[i] =
        [Float](repeating: 0, count: front) + weights[i]
        + [Float](repeating: 0, count: taps - front - count)
      starts[i] = start
    }
    self.starts = starts
    self.weights = weights
    self.taps = taps
  }
}
