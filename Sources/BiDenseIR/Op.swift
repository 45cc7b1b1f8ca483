/// The closed set of primitive operations that BiDense modules lower to. The reference
/// interpreter gives each one its meaning (docs/SEMANTICS.md); fusion groups them into kernels.
/// Every switch over an op lists each case, so an op that some stage does not handle fails to
/// compile there.
public enum Op: Sendable {
  /// The graph's input number `index`.
  case input(index: Int)
  /// The Distribution-adaptive Binarizer: s_c · sign(x − tau_c), statistics from the input.
  case binarize(Binarizer)
  /// A convolution (or transposed convolution) with 1-bit weights a · sign(W).
  case binaryConv(Convolution)
  /// A float convolution (the ConvNeXt stem, the 1×1 heads).
  case conv(Convolution)
  /// The Channel-adaptive Full-precision Bypass to the node's channel count.
  case channelBypass
  case add
  /// Concatenation along channels, in input order.
  case concat
  case avgPool(Window)
  /// Adaptive average pooling to the node's height and width.
  case adaptiveAvgPool
  /// Bilinear interpolation with align_corners = true to the node's height and width.
  case resizeBilinear
  /// Nearest-neighbour upsampling by an integer factor: out[i] = in[i / scale].
  case upsampleNearest(scale: Int)
  /// One output element from the element of the same channel and position: these ride in
  /// the epilogue of the node that produces their input.
  case elementwise(ElementwiseOp)
  /// A binary linear layer on tokens, with ternary signs on both sides (BinaryLinear.swift).
  case binaryLinear(BinaryLinear)
  /// LayerNorm over each token's channels.
  case layerNorm(LayerNorm)
  /// Binary attention of `heads` heads: ternary q, k, v from the input [T, 3·D], integer
  /// counts [T, D] out (BinaryAttention.swift).
  case attention(heads: Int)
  /// An image [C, H, W] as tokens [H·W, C], token r·W + c from pixel (r, c).
  case imageToTokens
  /// Tokens [h·w, C] as an image [C, h, w] of the node's height and width.
  case tokensToImage
  /// Tokens [T, C] with one more token first, the vector given: [1 + T, C].
  case prependToken([Float])
  /// The input plus a constant of the node's shape, element by element.
  case addConstant([Float])
  /// The node's rows of tokens, starting at row `start`.
  case sliceTokens(start: Int)
  /// Tokens [T, C] and one token [1, C]: each row followed by that token, [T, 2·C].
  case appendTokenToRows
  /// The contiguous-group bypass of tokens (channel_adaptive_bypass_1d) to the node's channels.
  case channelBypass1D
  /// Bilinear resizing with an antialiasing filter (torchvision's resize) to the node's size.
  case resizeAntialiased

  /// A short name for listings and messages.
  public var kindName: String {
    switch self {
    case .input: return "Input"
    case .binarize: return "DAB"
    case .binaryConv(let conv): return conv.transposed ? "BinaryConvTranspose2d" : "BinaryConv2d"
    case .conv: return "Conv2d"
    case .channelBypass: return "ChannelBypass"
    case .add: return "Add"
    case .concat: return "Concat"
    case .avgPool: return "AvgPool2d"
    case .adaptiveAvgPool: return "AdaptiveAvgPool2d"
    case .resizeBilinear: return "ResizeBilinear"
    case .upsampleNearest: return "UpsampleNearest"
    case .elementwise(let op): return op.kindName
    case .binaryLinear: return "BinaryLinear"
    case .layerNorm: return "LayerNorm"
    case .attention: return "BinaryAttention"
    case .imageToTokens: return "ImageToTokens"
    case .tokensToImage: return "TokensToImage"
    case .prependToken: return "PrependToken"
    case .addConstant: return "AddConstant"
    case .sliceTokens: return "SliceTokens"
    case .appendTokenToRows: return "AppendTokenToRows"
    case .channelBypass1D: return "ChannelBypass1D"
    case .resizeAntialiased: return "ResizeAntialiased"
    }
  }

  /// How many trained parameters the op carries.
  public var parameterCount: Int {
    switch self {
    case .binarize(let p): return 3 * p.alpha.count
    case .binaryConv(let c), .conv(let c): return c.weight.count + (c.bias?.count ?? 0)
    case .elementwise(let op): return op.parameterCount
    case .binaryLinear(let l): return l.parameterCount
    case .layerNorm(let n): return 2 * n.weight.count
    case .prependToken(let v), .addConstant(let v): return v.count
    case .input, .channelBypass, .add, .concat, .avgPool, .adaptiveAvgPool, .resizeBilinear,
      .upsampleNearest, .attention, .imageToTokens, .tokensToImage, .sliceTokens,
      .appendTokenToRows, .channelBypass1D, .resizeAntialiased:
      return 0
    }
  }

  /// The convolution of a binary or float convolution op.
  public var convolution: Convolution? {
    switch self {
    case .binaryConv(let conv), .conv(let conv): return conv
    case .input, .binarize, .channelBypass, .add, .concat, .avgPool, .adaptiveAvgPool,
      .resizeBilinear, .upsampleNearest, .elementwise, .binaryLinear, .layerNorm, .attention,
      .imageToTokens, .tokensToImage, .prependToken, .addConstant, .sliceTokens,
      .appendTokenToRows, .channelBypass1D, .resizeAntialiased:
      return nil
    }
  }

  /// The elementwise op, for the ops that can ride in a producer's epilogue.
  public var elementwise: ElementwiseOp? {
    if case .elementwise(let op) = self { return op }
    return nil
  }
}

/// The ops that map each element to one element of the same channel.
public enum ElementwiseOp: Sendable {
  case batchNorm(BatchNorm)
  /// x + bias_c.
  case learnableBias([Float])
  /// x ≥ 0 ? x : w_c · x.
  case prelu([Float])
  case relu
  case sigmoid
  /// x · constant (the depth heads scale by max_depth).
  case multiply(Float)
  /// x · gamma_c (a ViT block's LayerScale).
  case layerScale([Float])
  /// x/2 · (1 + erf(x/√2)), the exact GELU, in float32 as PyTorch computes it.
  case gelu

  public var kindName: String {
    switch self {
    case .batchNorm: return "BatchNorm2d"
    case .learnableBias: return "LearnableBias"
    case .prelu: return "PReLU"
    case .relu: return "ReLU"
    case .sigmoid: return "Sigmoid"
    case .multiply: return "Multiply"
    case .layerScale: return "LayerScale"
    case .gelu: return "GELU"
    }
  }

  public var parameterCount: Int {
    switch self {
    case .batchNorm(let bn): return 4 * bn.weight.count
    case .learnableBias(let v), .prelu(let v), .layerScale(let v): return v.count
    case .relu, .sigmoid, .multiply, .gelu: return 0
    }
  }

  /// The per-channel vectors the op reads when it runs, named, in the order its code uses
  /// them (a BatchNorm folded to a scale and a shift). Packing stores them without knowing
  /// the op.
  public var channelVectors: [(name: String, values: [Float])] {
    switch self {
    case .batchNorm(let bn):
      let (scale, shift) = BatchNormFold.perChannel(bn)
      return [("scale", scale), ("shift", shift)]
    case .learnableBias(let v): return [("bias", v)]
    case .prelu(let v): return [("weight", v)]
    case .layerScale(let v): return [("gamma", v)]
    case .relu, .sigmoid, .multiply, .gelu: return []
    }
  }
}

/// DAB parameters, one per input channel.
public struct Binarizer: Sendable {
  public var alpha: [Float]
  public var k: [Float]
  public var b: [Float]
  /// The `--dab-scale=layer` approximation: every channel takes the mean of the channel
  /// scales, so the convolution after it is a pure xnor-popcount. Not the model's arithmetic.
  public var layerScale = false

  public init(alpha: [Float], k: [Float], b: [Float]) {
    self.alpha = alpha
    self.k = k
    self.b = b
  }
}

/// A 2-D sliding window: kernel, stride, padding, dilation, per axis.
public struct Window: Hashable, Sendable, CustomStringConvertible {
  public var description: String {
    "kernel \(kernelH)x\(kernelW), stride \(strideH)x\(strideW), padding \(padH)x\(padW), "
      + "dilation \(dilationH)x\(dilationW)"
  }

  public var kernelH: Int
  public var kernelW: Int
  public var strideH: Int
  public var strideW: Int
  public var padH: Int
  public var padW: Int
  public var dilationH: Int
  public var dilationW: Int

  public init(
    kernel: (Int, Int), stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
    dilation: (Int, Int) = (1, 1)
  ) {
    (kernelH, kernelW) = kernel
    (strideH, strideW) = stride
    (padH, padW) = padding
    (dilationH, dilationW) = dilation
  }

  public var taps: Int { kernelH * kernelW }

  /// Output extent of a forward window over `size` input positions (floor mode), or nil when
  /// the dilated kernel is larger than the padded input.
  public func forwardExtent(_ size: Int, vertical: Bool) -> Int? {
    let (k, s, p, d) =
      vertical ? (kernelH, strideH, padH, dilationH) : (kernelW, strideW, padW, dilationW)
    let span = d * (k - 1) + 1
    let padded = size + 2 * p
    guard padded >= span else { return nil }
    return (padded - span) / s + 1
  }

  /// Output extent of a transposed window over `size` input positions (no output padding).
  public func transposedExtent(_ size: Int, vertical: Bool) -> Int {
    let (k, s, p, d) =
      vertical ? (kernelH, strideH, padH, dilationH) : (kernelW, strideW, padW, dilationW)
    return (size - 1) * s - 2 * p + d * (k - 1) + 1
  }
}

/// A convolution's geometry and parameters, with the weight in PyTorch's layout:
/// [out, in/groups, kh, kw] for a convolution, [in, out/groups, kh, kw] when transposed.
public struct Convolution: Sendable {
  public var inChannels: Int
  public var outChannels: Int
  public var window: Window
  public var groups: Int
  public var transposed: Bool
  public var weight: [Float]
  public var bias: [Float]?

  public init(
    inChannels: Int, outChannels: Int, window: Window, groups: Int, transposed: Bool,
    weight: [Float], bias: [Float]?
  ) {
    self.inChannels = inChannels
    self.outChannels = outChannels
    self.window = window
    self.groups = groups
    self.transposed = transposed
    self.weight = weight
    self.bias = bias
  }

  public var inChannelsPerGroup: Int { inChannels / groups }
  public var outChannelsPerGroup: Int { outChannels / groups }

  /// Multiply-accumulates of one evaluation: each output element (each input element when
  /// transposed) meets one group's channels at every tap.
  public func multiplyAccumulates(input: TensorShape, output: TensorShape) -> Int {
    transposed
      ? input.count * outChannelsPerGroup * window.taps
      : output.count * inChannelsPerGroup * window.taps
  }

  /// The PyTorch weight shape.
  public var weightShape: [Int] {
    transposed
      ? [inChannels, outChannelsPerGroup, window.kernelH, window.kernelW]
      : [outChannels, inChannelsPerGroup, window.kernelH, window.kernelW]
  }

  /// Index of the weight joining input channel `c` (within its group: 0 ..< inChannelsPerGroup)
  /// to output channel `o` (absolute), at tap `tap` (row-major over the kernel).
  @inline(__always)
  public func weightIndex(output o: Int, groupInput c: Int, tap: Int) -> Int {
    if transposed {
      let group = o / outChannelsPerGroup
      let input = group * inChannelsPerGroup + c
      return (input * outChannelsPerGroup + o % outChannelsPerGroup) * window.taps + tap
    }
    return (o * inChannelsPerGroup + c) * window.taps + tap
  }
}

/// BatchNorm2d in eval mode.
public struct BatchNorm: Sendable {
  public var weight: [Float]
  public var bias: [Float]
  public var runningMean: [Float]
  public var runningVar: [Float]
  public var epsilon: Float

  public init(
    weight: [Float], bias: [Float], runningMean: [Float], runningVar: [Float],
    epsilon: Float = 1e-5
  ) {
    self.weight = weight
    self.bias = bias
    self.runningMean = runningMean
    self.runningVar = runningVar
    self.epsilon = epsilon
  }
}

extension Convolution {
  /// The per-row weight scale `a`: the mean |W| over every dimension but the first, so per
  /// output channel for a convolution and per input channel for a transposed one.
  public var binaryWeightScales: [Float] {
    let rows = weightShape[0]
    let rowLength = weight.count / rows
    return (0..<rows).map { r in
      var total = 0.0
      for w in weight[(r * rowLength)..<((r + 1) * rowLength)] { total += Double(abs(w)) }
      return Float(total / Double(rowLength))
    }
  }
}
