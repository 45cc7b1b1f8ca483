import BiDenseIR

/// A float convolution (the ConvNeXt stem, the 1×1 heads): direct loops over the window.
public struct FloatConvKernel: Sendable {
  public var window: Window
  public var groups: Int
  public var inPerGroup: Int
  public var outPerGroup: Int
  public var input: TensorShape
  public var output: TensorShape

  init(_ conv: Convolution, input: TensorShape, output: TensorShape) {
    window = conv.window
    groups = conv.groups
    inPerGroup = conv.inChannelsPerGroup
    outPerGroup = conv.outChannelsPerGroup
    self.input = input
    self.output = output
  }
}

/// AvgPool2d (count_include_pad, floor mode).
public struct AvgPoolKernel: Sendable {
  public var window: Window
  public var input: TensorShape
  public var output: TensorShape
}

/// An op that maps each channel's plane to a plane of another size: adaptive pooling,
/// bilinear interpolation.
public struct ReshapeKernel: Sendable {
  public var input: TensorShape
  public var output: TensorShape
}

/// Nearest upsampling by a whole factor.
public struct UpsampleKernel: Sendable {
  public var scale: Int
  public var input: TensorShape
  public var output: TensorShape
}

/// Concatenation along channels: each part's channels, and its name for the comment.
public struct ConcatKernel: Sendable {
  public var parts: [(channels: Int, name: String)]
  public var output: TensorShape
}

/// A channel bypass that no convolution could take in, or the 1-D (contiguous) one on tokens.
public struct ChannelBypassKernel: Sendable {
  public var plan: ChannelBypassPlan
  public var input: TensorShape
  public var output: TensorShape

  init(_ graph: Graph, _ node: Node) {
    input = graph[node.inputs[0]].shape
    output = node.shape
    // The builder validated this plan when it made the node.
    guard
      let plan = try? ChannelBypassPlan(
        inChannels: input.channels, outChannels: output.channels, contiguous: input.isTokens,
        node: node.name)
    else { preconditionFailure("the builder accepted an invalid bypass") }
    self.plan = plan
  }
}
