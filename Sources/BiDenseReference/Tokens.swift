import BiDenseIR

/// The moves between images and tokens, and the token ops of the ViT encoder and the readout.
extension Interpreter {
  /// [C, H, W] → [H·W, C]: token r·W + c is pixel (r, c).
  public static func imageToTokens(_ x: Tensor) -> Tensor {
    let pixels = x.shape.pixels
    let channels = x.shape.channels
    var out = Tensor(zeros: TensorShape(tokens: pixels, channels: channels))
    for c in 0..<channels {
      for p in 0..<pixels { out.data[p * channels + c] = x.data[c * pixels + p] }
    }
    return out
  }

  /// [h·w, C] → [C, h, w], the inverse of `imageToTokens`.
  public static func tokensToImage(_ x: Tensor, _ shape: TensorShape) -> Tensor {
    let pixels = shape.pixels
    let channels = shape.channels
    var out = Tensor(zeros: shape)
    for p in 0..<pixels {
      for c in 0..<channels { out.data[c * pixels + p] = x.data[p * channels + c] }
    }
    return out
  }

  /// The token first, then the rows of x.
  public static func prependToken(_ x: Tensor, _ token: [Float]) -> Tensor {
    Tensor(
      shape: TensorShape(tokens: x.shape.tokens + 1, channels: x.shape.channels),
      data: token + x.data)
  }

  /// x + values, element by element in float32.
  public static func addConstant(_ x: Tensor, _ values: [Float]) -> Tensor {
    var out = x
    for i in out.data.indices { out.data[i] += values[i] }
    return out
  }

  /// Rows start ..< start + shape.tokens.
  public static func sliceTokens(_ x: Tensor, start: Int, _ shape: TensorShape) -> Tensor {
    let channels = x.shape.channels
    return Tensor(
      shape: shape, data: Array(x.data[(start * channels)..<((start + shape.tokens) * channels)]))
  }

  /// [T, C] and [1, C] → [T, 2·C]: each row, then the token.
  public static func appendTokenToRows(_ x: Tensor, _ token: Tensor) -> Tensor {
    var data: [Float] = []
    let channels = x.shape.channels
    data.reserveCapacity(2 * x.data.count)
    for t in 0..<x.shape.tokens {
      data += x.data[(t * channels)..<((t + 1) * channels)]
      data += token.data
    }
    return Tensor(shape: TensorShape(tokens: x.shape.tokens, channels: 2 * channels), data: data)
  }
}
