/// How a tensor's elements are laid out in memory.
public enum TensorLayout: Hashable, Sendable {
  /// An image: batch 1, NCHW, so channels × height × width, each channel a plane.
  case image
  /// Tokens: PyTorch's [1, T, C], row-major with the channels last, so token t's channels are
  /// contiguous. The shape's `height` is the token count and its `width` is 1.
  case tokens
}

/// The shape of one activation: batch 1, an image (NCHW) or tokens ([T, C], channels last).
public struct TensorShape: Hashable, Sendable, CustomStringConvertible {
  public var channels: Int
  public var height: Int
  public var width: Int
  public var layout: TensorLayout

  /// An image of `channels` planes of `height` × `width`.
  public init(channels: Int, height: Int, width: Int) {
    self.channels = channels
    self.height = height
    self.width = width
    layout = .image
  }

  /// `tokens` rows of `channels` values each (a class token alone is one row).
  public init(tokens: Int, channels: Int) {
    self.channels = channels
    height = tokens
    width = 1
    layout = .tokens
  }

  public var isTokens: Bool { layout == .tokens }
  /// The rows of a token tensor.
  public var tokens: Int { height }
  /// Positions per channel: height × width for an image, the token count for tokens.
  public var pixels: Int { height * width }
  public var count: Int { channels * height * width }

  /// The channel that the element at flat index `i` belongs to.
  @inline(__always)
  public func channel(ofElement i: Int) -> Int {
    layout == .image ? i / pixels : i % channels
  }

  /// PyTorch's dimensions: [1, C, H, W] or [1, T, C].
  public var dimensions: [Int] {
    layout == .image ? [1, channels, height, width] : [1, height, channels]
  }

  public var description: String { dimensions.map(String.init).joined(separator: "x") }
}

/// A dense float32 activation (batch 1) in its shape's layout.
public struct Tensor: Sendable, Equatable {
  public var shape: TensorShape
  public var data: [Float]

  public init(shape: TensorShape, data: [Float]) {
    precondition(data.count == shape.count, "tensor data does not match its shape")
    self.shape = shape
    self.data = data
  }

  public init(zeros shape: TensorShape) {
    self.init(shape: shape, data: [Float](repeating: 0, count: shape.count))
  }

  /// Element (c, y, x) of an image.
  @inline(__always)
  public subscript(c: Int, y: Int, x: Int) -> Float {
    get { data[(c * shape.height + y) * shape.width + x] }
    set { data[(c * shape.height + y) * shape.width + x] = newValue }
  }

  /// Element (t, c) of tokens.
  @inline(__always)
  public subscript(token t: Int, channel c: Int) -> Float {
    get { data[t * shape.channels + c] }
    set { data[t * shape.channels + c] = newValue }
  }
}
