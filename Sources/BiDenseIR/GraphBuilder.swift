/// Builds a `Graph` one op at a time, inferring each node's shape and rejecting, with the
/// node's name and the offending value, anything PyTorch would reject, and any tensor larger
/// than the work limits allow. Sizes are computed with overflow checks, so no shape can trap.
public struct GraphBuilder {
  public private(set) var graph: Graph
  public let limits: WorkLimits
  private var usedNames: Set<String> = []

  public init(name: String, limits: WorkLimits = .default) {
    graph = Graph(name: name)
    self.limits = limits
  }

  public func shape(_ id: ValueID) -> TensorShape { graph[id].shape }

  /// Appends a node after checking its output against the limits.
  private mutating func add(_ name: String, _ op: Op, _ inputs: [ValueID], _ shape: TensorShape)
    throws -> ValueID
  {
    guard graph.nodes.count < limits.maxNodes else {
      throw BiDenseError(
        node: name, "the graph has more than \(limits.maxNodes) primitive ops, the limit")
    }
    try limits.checkTensor(shape.dimensions, node: name)
    var unique = name
    var suffix = 2
    while usedNames.contains(unique) {
      unique = "\(name)#\(suffix)"
      suffix += 1
    }
    usedNames.insert(unique)
    return graph.append(unique, op, inputs, shape)
  }

  /// A model input: 4-D [1, C, H, W] is an image, 3-D [1, T, C] is tokens.
  public mutating func input(_ name: String, shape dims: [Int]) throws -> ValueID {
    guard dims.count == 4 || dims.count == 3 else {
      throw BiDenseError(
        node: name, "input shape \(dims) is neither 4-D NCHW (an image) nor 3-D [1, T, C] (tokens)")
    }
    guard dims[0] == 1 else {
      throw BiDenseError(
        node: name, "batch size \(dims[0]) is not supported; run the model once per sample")
    }
    guard dims.allSatisfy({ $0 > 0 }) else {
      throw BiDenseError(node: name, "input shape \(dims) has an empty or negative dimension")
    }
    try limits.checkTensor(dims, node: name, what: "input")
    let shape =
      dims.count == 4
      ? TensorShape(channels: dims[1], height: dims[2], width: dims[3])
      : TensorShape(tokens: dims[1], channels: dims[2])
    let id = try add(name, .input(index: graph.inputs.count), [], shape)
    graph.inputs.append(id)
    return id
  }

  public mutating func output(_ id: ValueID) {
    graph.outputs.append(id)
  }

  private func requireChannels(_ name: String, _ id: ValueID, _ count: Int, _ what: String)
    throws
  {
    let shape = graph[id].shape
    guard shape.channels == count else {
      throw BiDenseError(
        node: name, "input has \(shape.channels) channels but \(what) expects \(count)")
    }
  }

  private func requireLength(_ name: String, _ values: [Float], _ count: Int, _ what: String)
    throws
  {
    guard values.count == count else {
      throw BiDenseError(node: name, "\(what) has \(values.count) values, expected \(count)")
    }
  }

  /// Every input of an op that takes one layout only must have it.
  private func requireLayout(
    _ name: String, _ inputs: [ValueID], _ layout: TensorLayout, _ what: String
  ) throws {
    for x in inputs where shape(x).layout != layout {
      let wanted = layout == .image ? "an image [1, C, H, W]" : "tokens [1, T, C]"
      let got = shape(x).isTokens ? "tokens \(shape(x))" : "an image \(shape(x))"
      throw BiDenseError(node: name, "\(what) takes \(wanted), but its input is \(got)")
    }
  }

  public mutating func binarize(_ name: String, _ x: ValueID, _ params: Binarizer) throws
    -> ValueID
  {
    try requireLayout(name, [x], .image, "the DAB")
    let c = shape(x).channels
    try requireLength(name, params.alpha, c, "binarizer.alpha")
    try requireLength(name, params.k, c, "binarizer.k")
    try requireLength(name, params.b, c, "binarizer.b")
    return try add(name, .binarize(params), [x], shape(x))
  }

  /// A binary (1-bit weight) or float convolution, forward or transposed.
  public mutating func convolution(
    _ name: String, _ x: ValueID, _ conv: Convolution, binary: Bool
  ) throws -> ValueID {
    try validate(conv, node: name)
    try requireLayout(name, [x], .image, "a convolution")
    try requireChannels(name, x, conv.inChannels, "the convolution")
    let outShape = try convolutionOutput(name, shape(x), conv)
    return try add(name, binary ? .binaryConv(conv) : .conv(conv), [x], outShape)
  }

  /// The output shape of `conv` on `input`, with every size computed with overflow checks.
  public func convolutionOutput(_ name: String, _ input: TensorShape, _ conv: Convolution) throws
    -> TensorShape
  {
    let w = conv.window
    if conv.transposed {
      let h = Self.transposedExtent(input.height, w.kernelH, w.strideH, w.padH, w.dilationH)
      let wd = Self.transposedExtent(input.width, w.kernelW, w.strideW, w.padW, w.dilationW)
      guard let h, let wd, h > 0, wd > 0 else {
        throw BiDenseError(
          node: name,
          "transposed convolution (\(w)) of \(input) gives an empty or oversized output "
            + "\(h.map(String.init) ?? "?")x\(wd.map(String.init) ?? "?")")
      }
      return TensorShape(channels: conv.outChannels, height: h, width: wd)
    }
    guard let h = Self.forwardExtent(input.height, w.kernelH, w.strideH, w.padH, w.dilationH),
      let wd = Self.forwardExtent(input.width, w.kernelW, w.strideW, w.padW, w.dilationW)
    else {
      throw BiDenseError(
        node: name,
        "kernel \(w.kernelH)x\(w.kernelW) (dilation \(w.dilationH)x\(w.dilationW)) is larger "
          + "than the padded input \(Self.padded(input.height, w.padH))x"
          + "\(Self.padded(input.width, w.padW))")
    }
    return TensorShape(channels: conv.outChannels, height: h, width: wd)
  }

  private static func padded(_ size: Int, _ pad: Int) -> String {
    Checked.add(size, Checked.multiply(2, pad) ?? Int.max).map(String.init) ?? "(too large)"
  }

  /// `Window.forwardExtent` with overflow checks: nil when the dilated kernel is larger than
  /// the padded input or a size does not fit in an Int. Arguments must be positive (padding
  /// non-negative), as `validateGeometry` ensures.
  static func forwardExtent(_ size: Int, _ k: Int, _ s: Int, _ p: Int, _ d: Int) -> Int? {
    guard let span = Checked.multiply(d, k - 1).flatMap({ Checked.add($0, 1) }),
      let padded = Checked.multiply(2, p).flatMap({ Checked.add(size, $0) }), padded >= span
    else { return nil }
    return (padded - span) / s + 1
  }

  /// `Window.transposedExtent` with overflow checks: (size − 1)·s − 2p + d·(k − 1) + 1.
  static func transposedExtent(_ size: Int, _ k: Int, _ s: Int, _ p: Int, _ d: Int) -> Int? {
    guard let stretched = Checked.multiply(size - 1, s),
      let span = Checked.multiply(d, k - 1),
      let twice = Checked.multiply(2, p),
      let a = Checked.subtract(stretched, twice),
      let b = Checked.add(a, span)
    else { return nil }
    return Checked.add(b, 1)
  }

  /// Checks a convolution's geometry (channels, window, groups) and its weight count against
  /// the limits, before any weight is read or allocated.
  public func validateGeometry(_ conv: Convolution, node: String) throws {
    let w = conv.window
    guard conv.inChannels > 0, conv.outChannels > 0 else {
      throw BiDenseError(
        node: node, "channel counts \(conv.inChannels) -> \(conv.outChannels) must be positive")
    }
    guard w.kernelH > 0, w.kernelW > 0 else {
      throw BiDenseError(node: node, "kernel size \(w.kernelH)x\(w.kernelW) must be positive")
    }
    guard w.strideH > 0, w.strideW > 0 else {
      throw BiDenseError(node: node, "stride \(w.strideH)x\(w.strideW) must be positive")
    }
    guard w.padH >= 0, w.padW >= 0 else {
      throw BiDenseError(node: node, "padding \(w.padH)x\(w.padW) must not be negative")
    }
    guard w.dilationH > 0, w.dilationW > 0 else {
      throw BiDenseError(node: node, "dilation \(w.dilationH)x\(w.dilationW) must be positive")
    }
    guard conv.groups > 0, conv.inChannels % conv.groups == 0,
      conv.outChannels % conv.groups == 0
    else {
      throw BiDenseError(
        node: node,
        "groups \(conv.groups) must divide both \(conv.inChannels) and \(conv.outChannels)")
    }
    try limits.checkTensor(conv.weightShape, node: node, what: "weight")
  }

  /// Checks a convolution's geometry and that its weight and bias hold as many values as the
  /// geometry implies.
  public func validate(_ conv: Convolution, node: String) throws {
    try validateGeometry(conv, node: node)
    let expected = Checked.product(conv.weightShape)
    guard conv.weight.count == expected else {
      throw BiDenseError(
        node: node, "weight has \(conv.weight.count) values, expected \(conv.weightShape)")
    }
    if let bias = conv.bias, bias.count != conv.outChannels {
      throw BiDenseError(
        node: node, "bias has \(bias.count) values, expected \(conv.outChannels)")
    }
  }

  public mutating func batchNorm(_ name: String, _ x: ValueID, _ bn: BatchNorm) throws -> ValueID {
    let c = shape(x).channels
    try requireLength(name, bn.weight, c, "norm.weight")
    try requireLength(name, bn.bias, c, "norm.bias")
    try requireLength(name, bn.runningMean, c, "norm.running_mean")
    try requireLength(name, bn.runningVar, c, "norm.running_var")
    return try add(name, .elementwise(.batchNorm(bn)), [x], shape(x))
  }

  /// The Channel-adaptive Full-precision Bypass of `x` to `outChannels` channels.
  public mutating func channelBypass(_ name: String, _ x: ValueID, outChannels: Int) throws
    -> ValueID
  {
    let input = shape(x)
    try requireLayout(name, [x], .image, "the channel bypass")
    try limits.checkTensor([1, outChannels, input.height, input.width], node: name)
    _ = try ChannelBypassPlan(inChannels: input.channels, outChannels: outChannels, node: name)
    return try add(
      name, .channelBypass, [x],
      TensorShape(channels: outChannels, height: input.height, width: input.width))
  }

  public mutating func add(_ name: String, _ a: ValueID, _ b: ValueID) throws -> ValueID {
    guard shape(a) == shape(b) else {
      throw BiDenseError(node: name, "cannot add tensors of shapes \(shape(a)) and \(shape(b))")
    }
    return try add(name, .add, [a, b], shape(a))
  }

  public mutating func concat(_ name: String, _ parts: [ValueID]) throws -> ValueID {
    guard let first = parts.first else {
      throw BiDenseError(node: name, "concatenation of no tensors")
    }
    try requireLayout(name, parts, .image, "Concat")
    let base = shape(first)
    for part in parts where shape(part).height != base.height || shape(part).width != base.width {
      throw BiDenseError(
        node: name, "cannot concatenate \(shape(part)) with \(base): spatial sizes differ")
    }
    if parts.count == 1 { return first }
    guard let channels = Checked.sum(parts.map { shape($0).channels }) else {
      throw BiDenseError(node: name, "concatenation of \(parts.count) tensors is too large")
    }
    return try add(
      name, .concat, parts,
      TensorShape(channels: channels, height: base.height, width: base.width))
  }

  public mutating func avgPool(_ name: String, _ x: ValueID, _ window: Window) throws -> ValueID {
    try requireLayout(name, [x], .image, "AvgPool2d")
    let input = shape(x)
    guard window.kernelH > 0, window.kernelW > 0, window.strideH > 0, window.strideW > 0 else {
      throw BiDenseError(node: name, "pool kernel and stride must be positive")
    }
    guard window.padH >= 0, window.padW >= 0, window.padH <= window.kernelH / 2,
      window.padW <= window.kernelW / 2
    else {
      throw BiDenseError(
        node: name, "pool padding \(window.padH)x\(window.padW) must be at most half the kernel")
    }
    guard
      let h = Self.forwardExtent(input.height, window.kernelH, window.strideH, window.padH, 1),
      let w = Self.forwardExtent(input.width, window.kernelW, window.strideW, window.padW, 1)
    else {
      throw BiDenseError(
        node: name,
        "pool kernel \(window.kernelH)x\(window.kernelW) is larger than the padded input")
    }
    return try add(
      name, .avgPool(window), [x], TensorShape(channels: input.channels, height: h, width: w))
  }

  public mutating func adaptiveAvgPool(_ name: String, _ x: ValueID, height: Int, width: Int)
    throws -> ValueID
  {
    try requireLayout(name, [x], .image, "AdaptiveAvgPool2d")
    guard height > 0, width > 0 else {
      throw BiDenseError(node: name, "adaptive pool size \(height)x\(width) must be positive")
    }
    return try add(
      name, .adaptiveAvgPool, [x],
      TensorShape(channels: shape(x).channels, height: height, width: width))
  }

  public mutating func resizeBilinear(_ name: String, _ x: ValueID, height: Int, width: Int)
    throws -> ValueID
  {
    try requireLayout(name, [x], .image, "bilinear interpolation")
    guard height > 0, width > 0 else {
      throw BiDenseError(node: name, "interpolation size \(height)x\(width) must be positive")
    }
    if shape(x).height == height && shape(x).width == width { return x }
    return try add(
      name, .resizeBilinear, [x],
      TensorShape(channels: shape(x).channels, height: height, width: width))
  }

  public mutating func upsampleNearest(_ name: String, _ x: ValueID, scale: Int) throws
    -> ValueID
  {
    try requireLayout(name, [x], .image, "nearest upsampling")
    guard scale > 0 else {
      throw BiDenseError(node: name, "upsampling scale \(scale) must be positive")
    }
    if scale == 1 { return x }
    let input = shape(x)
    guard let h = Checked.multiply(input.height, scale),
      let w = Checked.multiply(input.width, scale)
    else {
      throw BiDenseError(node: name, "upsampling \(input) by \(scale) is too large")
    }
    return try add(
      name, .upsampleNearest(scale: scale), [x],
      TensorShape(channels: input.channels, height: h, width: w))
  }

  public mutating func learnableBias(_ name: String, _ x: ValueID, _ bias: [Float]) throws
    -> ValueID
  {
    try requireLength(name, bias, shape(x).channels, "bias")
    return try add(name, .elementwise(.learnableBias(bias)), [x], shape(x))
  }

  public mutating func prelu(_ name: String, _ x: ValueID, _ weight: [Float]) throws -> ValueID {
    // nn.PReLU() with one parameter broadcasts it over every channel.
    let channels = shape(x).channels
    let perChannel = weight.count == 1 ? [Float](repeating: weight[0], count: channels) : weight
    try requireLength(name, perChannel, channels, "weight")
    return try add(name, .elementwise(.prelu(perChannel)), [x], shape(x))
  }

  public mutating func unary(_ name: String, _ x: ValueID, _ op: ElementwiseOp) throws -> ValueID {
    try add(name, .elementwise(op), [x], shape(x))
  }
}

/// The ops of the ViT encoder and the DPT's reassembly: tokens, their layers, and the moves
/// between tokens and images.
extension GraphBuilder {
  public mutating func binaryLinear(_ name: String, _ x: ValueID, _ linear: BinaryLinear) throws
    -> ValueID
  {
    try requireLayout(name, [x], .tokens, "a binary linear layer")
    try requireChannels(name, x, linear.inFeatures, "the linear layer")
    guard linear.inFeatures > 0, linear.outFeatures > 0 else {
      throw BiDenseError(
        node: name,
        "features \(linear.inFeatures) -> \(linear.outFeatures) must be positive")
    }
    try limits.checkTensor([linear.outFeatures, linear.inFeatures], node: name, what: "weight")
    guard linear.weight.count == linear.inFeatures * linear.outFeatures else {
      throw BiDenseError(
        node: name,
        "weight has \(linear.weight.count) values, expected [\(linear.outFeatures), "
          + "\(linear.inFeatures)]")
    }
    try requireLength(name, linear.scale, linear.outFeatures, "the scale")
    try requireLength(name, linear.bias, linear.outFeatures, "bias")
    if let move = linear.move { try requireLength(name, move, linear.inFeatures, "move.bias") }
    return try add(
      name, .binaryLinear(linear), [x],
      TensorShape(tokens: shape(x).tokens, channels: linear.outFeatures))
  }

  public mutating func layerNorm(_ name: String, _ x: ValueID, _ norm: LayerNorm) throws
    -> ValueID
  {
    try requireLayout(name, [x], .tokens, "LayerNorm")
    try requireLength(name, norm.weight, shape(x).channels, "weight")
    try requireLength(name, norm.bias, shape(x).channels, "bias")
    return try add(name, .layerNorm(norm), [x], shape(x))
  }

  /// Binary attention of `heads` heads on qkv [T, 3·D]: counts [T, D].
  public mutating func attention(_ name: String, _ qkv: ValueID, heads: Int) throws -> ValueID {
    try requireLayout(name, [qkv], .tokens, "attention")
    let input = shape(qkv)
    guard heads > 0, input.channels % 3 == 0, (input.channels / 3) % heads == 0 else {
      throw BiDenseError(
        node: name,
        "attention of \(heads) heads needs q, k and v of equal width divisible by the heads, "
          + "but qkv has \(input.channels) channels")
    }
    return try add(
      name, .attention(heads: heads), [qkv],
      TensorShape(tokens: input.tokens, channels: input.channels / 3))
  }

  /// An image's pixels as tokens (PatchEmbed's `flatten(2).transpose(1, 2)`).
  public mutating func imageToTokens(_ name: String, _ x: ValueID) throws -> ValueID {
    try requireLayout(name, [x], .image, "flattening to tokens")
    let input = shape(x)
    return try add(
      name, .imageToTokens, [x], TensorShape(tokens: input.pixels, channels: input.channels))
  }

  /// Tokens as an image of `height` × `width` (DPT's `permute(0, 2, 1).reshape`).
  public mutating func tokensToImage(_ name: String, _ x: ValueID, height: Int, width: Int)
    throws -> ValueID
  {
    try requireLayout(name, [x], .tokens, "reshaping to an image")
    let input = shape(x)
    guard height > 0, width > 0, Checked.multiply(height, width) == input.tokens else {
      throw BiDenseError(
        node: name, "cannot reshape \(input.tokens) tokens to an image of \(height)x\(width)")
    }
    return try add(
      name, .tokensToImage, [x],
      TensorShape(channels: input.channels, height: height, width: width))
  }

  /// Tokens with `token` put first (the class token).
  public mutating func prependToken(_ name: String, _ x: ValueID, _ token: [Float]) throws
    -> ValueID
  {
    try requireLayout(name, [x], .tokens, "prepending a token")
    try requireLength(name, token, shape(x).channels, "the token")
    guard let rows = Checked.add(shape(x).tokens, 1) else {
      throw BiDenseError(node: name, "too many tokens")
    }
    return try add(
      name, .prependToken(token), [x], TensorShape(tokens: rows, channels: shape(x).channels))
  }

  /// x plus a constant of x's shape (the interpolated position embedding).
  public mutating func addConstant(_ name: String, _ x: ValueID, _ values: [Float]) throws
    -> ValueID
  {
    try requireLength(name, values, shape(x).count, "the constant")
    return try add(name, .addConstant(values), [x], shape(x))
  }

  /// Rows `start ..< start + count` of tokens.
  public mutating func sliceTokens(_ name: String, _ x: ValueID, start: Int, count: Int) throws
    -> ValueID
  {
    try requireLayout(name, [x], .tokens, "taking tokens")
    let input = shape(x)
    guard start >= 0, count > 0, start <= input.tokens - count else {
      throw BiDenseError(
        node: name, "tokens \(start) ..< \(start + count) are not within the \(input.tokens)")
    }
    if start == 0 && count == input.tokens { return x }
    return try add(
      name, .sliceTokens(start: start), [x], TensorShape(tokens: count, channels: input.channels))
  }

  /// [t | c] per row: tokens [T, C] each followed by the one token `token` [1, C].
  public mutating func appendTokenToRows(_ name: String, _ x: ValueID, _ token: ValueID) throws
    -> ValueID
  {
    try requireLayout(name, [x, token], .tokens, "appending a token to every row")
    guard shape(token).tokens == 1, shape(token).channels == shape(x).channels else {
      throw BiDenseError(
        node: name,
        "cannot append \(shape(token)) to every row of \(shape(x)): one token of "
          + "the same width is needed")
    }
    return try add(
      name, .appendTokenToRows, [x, token],
      TensorShape(tokens: shape(x).tokens, channels: 2 * shape(x).channels))
  }

  /// `channel_adaptive_bypass_1d(x, outChannels)` on tokens: copies, then means of contiguous
  /// runs of channels.
  public mutating func channelBypass1D(_ name: String, _ x: ValueID, outChannels: Int) throws
    -> ValueID
  {
    try requireLayout(name, [x], .tokens, "the 1-D channel bypass")
    let input = shape(x)
    try limits.checkTensor([1, input.tokens, outChannels], node: name)
    _ = try ChannelBypassPlan(
      inChannels: input.channels, outChannels: outChannels, contiguous: true, node: name)
    return try add(
      name, .channelBypass1D, [x], TensorShape(tokens: input.tokens, channels: outChannels))
  }

  /// torchvision's antialiased bilinear resize to `height` × `width`; the same size is the
  /// input itself, as torchvision returns it.
  public mutating func resizeAntialiased(_ name: String, _ x: ValueID, height: Int, width: Int)
    throws -> ValueID
  {
    try requireLayout(name, [x], .image, "resizing")
    guard height > 0, width > 0 else {
      throw BiDenseError(node: name, "resize to \(height)x\(width) must be positive")
    }
    if shape(x).height == height && shape(x).width == width { return x }
    return try add(
      name, .resizeAntialiased, [x],
      TensorShape(channels: shape(x).channels, height: height, width: width))
  }
}
