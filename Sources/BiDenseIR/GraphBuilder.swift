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
    try limits.checkTensor([1, shape.channels, shape.height, shape.width], node: name)
    var unique = name
    var suffix = 2
    while usedNames.contains(unique) {
      unique = "\(name)#\(suffix)"
      suffix += 1
    }
    usedNames.insert(unique)
    return graph.append(unique, op, inputs, shape)
  }

  public mutating func input(_ name: String, shape dims: [Int]) throws -> ValueID {
    guard dims.count == 4 else {
      throw BiDenseError(node: name, "input shape \(dims) is not 4-D NCHW")
    }
    guard dims[0] == 1 else {
      throw BiDenseError(
        node: name, "batch size \(dims[0]) is not supported; run the model once per sample")
    }
    guard dims.allSatisfy({ $0 > 0 }) else {
      throw BiDenseError(node: name, "input shape \(dims) has an empty or negative dimension")
    }
    try limits.checkTensor(dims, node: name, what: "input")
    let id = try add(
      name, .input(index: graph.inputs.count), [],
      TensorShape(channels: dims[1], height: dims[2], width: dims[3]))
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

  public mutating func binarize(_ name: String, _ x: ValueID, _ params: Binarizer) throws
    -> ValueID
  {
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
