import BiDenseIR

/// A float convolution (the ConvNeXt stem, the 1×1 heads, the ViT's patch embedding): direct
/// loops over the window; or, when the windows are disjoint and large (a patch embedding), per
/// window its inputs gathered contiguous and every output accumulated across outputs.
public struct FloatConvKernel: Sendable {
  /// Disjoint windows (kernel = stride, no padding or dilation, one group) of at least this
  /// many inputs are gathered: the ViT-S/14 patch embedding (588 inputs, 384 outputs) runs
  /// 0.8 GMAC/s in the direct loops; the ConvNeXt stem's 48 keep them.
  public static let gatherDepth = 64

  public var window: Window
  public var groups: Int
  public var inPerGroup: Int
  public var outPerGroup: Int
  public var input: TensorShape
  public var output: TensorShape
  /// The windows are gathered, the weights stored [input · tap][output].
  public var gathers: Bool
  /// Otherwise, on hosts with vectors (`vectorRows`), an output row at a time, its sums
  /// `rowStride` floats (whole vectors): a 1×1 stride-1 convolution whose rows are whole
  /// vectors reads its input rows in place (`readsRows`); the others gather the inputs of each
  /// tap for the row into scratch. The ConvNeXt stem took 38 ms at 416×544 a pixel at a time,
  /// 5 ms a row at a time (AVX-512 EPYC). 32-bit cores, short of RAM, go a pixel at a time.
  public var vectorRows: Bool
  public var rowStride: Int
  public var readsRows: Bool
  public var scratch = ScratchLayout()
  public var accumulatorOffset = 0

  init(_ conv: Convolution, input: TensorShape, output: TensorShape, vectorRows: Bool) {
    window = conv.window
    groups = conv.groups
    inPerGroup = conv.inChannelsPerGroup
    outPerGroup = conv.outChannelsPerGroup
    self.input = input
    self.output = output
    let w = conv.window
    gathers =
      groups == 1 && w.kernelH == w.strideH && w.kernelW == w.strideW && w.padH == 0
      && w.padW == 0 && w.dilationH == 1 && w.dilationW == 1
      && inPerGroup * w.taps >= Self.gatherDepth
    self.vectorRows = vectorRows && !gathers
    rowStride = (output.width + 15) / 16 * 16
    readsRows =
      w.kernelH == 1 && w.kernelW == 1 && w.strideH == 1 && w.strideW == 1 && w.padH == 0
      && w.padW == 0 && output.width % 16 == 0
    if gathers {
      _ = scratch.reserve(4 * inPerGroup * w.taps)
      accumulatorOffset = scratch.reserve(4 * output.channels)
    } else if self.vectorRows && !readsRows {
      _ = scratch.reserve(4 * inPerGroup * w.taps * rowStride)
    }
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
