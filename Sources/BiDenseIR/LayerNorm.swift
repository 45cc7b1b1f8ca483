/// LayerNorm over the channels of each token (`nn.LayerNorm(C, eps)`), biased variance:
///
///     y = (x − mean) / sqrt(var + eps) · weight + bias
public struct LayerNorm: Sendable {
  public var weight: [Float]
  public var bias: [Float]
  public var epsilon: Float

  public init(weight: [Float], bias: [Float], epsilon: Float) {
    self.weight = weight
    self.bias = bias
    self.epsilon = epsilon
  }
}
