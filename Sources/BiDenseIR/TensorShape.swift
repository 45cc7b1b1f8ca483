/// The shape of one activation: batch 1, NCHW, so channels × height × width.
public struct TensorShape: Hashable, Sendable, CustomStringConvertible {
  public var channels: Int
  public var height: Int
  public var width: Int

  public init(channels: Int, height: Int, width: Int) {
    self.channels = channels
    self.height = height
    self.width = width
  }

  public var pixels: Int { height * width }
  public var count: Int { channels * height * width }
  public var description: String { "1x\(channels)x\(height)x\(width)" }
}

/// A dense float32 activation in NCHW order (batch 1).
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

  /// Element (c, y, x).
  @inline(__always)
  public subscript(c: Int, y: Int, x: Int) -> Float {
    get { data[(c * shape.height + y) * shape.width + x] }
    set { data[(c * shape.height + y) * shape.width + x] = newValue }
  }
}
