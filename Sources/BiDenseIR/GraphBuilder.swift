/// Builds a `Graph` one op at a time, inferring each node's shape and rejecting, with the
/// node's name and the offending value, anything PyTorch would reject.
public struct GraphBuilder {
  public private(set) var graph: Graph
  private var usedNames: Set<String> = []

  public init(name: String) {
    graph = Graph(name: name)
  }

  public func shape(_ id: ValueID) -> TensorShape { graph[id].shape }

  private mutating func add(_ name: String, _ op: Op, _ inputs: [ValueID], _ shape: TensorShape)
    -> ValueID
  {
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
    guard dims.allSatisfy({ $0 > 0 }), dims[1] * dims[2] * dims[3] <= 1 << 31 else {
      throw BiDenseError(node: name, "input shape \(dims) has an empty or oversized dimension")
    }
    let id = add(
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
    return add(name, .binarize(params), [x], shape(x))
  }

  /// A binary (1-bit weight) or float convolution, forward or transposed.
  public mutating func convolution(
    _ name: String, _ x: ValueID, _ conv: Convolution, binary: Bool
  ) throws -> ValueID {
    try Self.validate(conv, node: name)
    try requireChannels(name, x, conv.inChannels, "the convolution")
    let input = shape(x)
    let w = conv.window
    let outShape: TensorShape
    if conv.transposed {
      let h = w.transposedExtent(input.height, vertical: true)
      let wd = w.transposedExtent(input.width, vertical: false)
      guard h > 0, wd > 0 else {
        throw BiDenseError(
          node: name, "transposed convolution of \(input) gives an empty output \(h)x\(wd)")
      }
      outShape = TensorShape(channels: conv.outChannels, height: h, width: wd)
    } else {
      guard let h = w.forwardExtent(input.height, vertical: true),
        let wd = w.forwardExtent(input.width, vertical: false)
      else {
        throw BiDenseError(
          node: name,
          "kernel \(w.kernelH)x\(w.kernelW) (dilation \(w.dilationH)x\(w.dilationW)) is larger "
            + "than the padded input \(input.height + 2 * w.padH)x\(input.width + 2 * w.padW)")
      }
      outShape = TensorShape(channels: conv.outChannels, height: h, width: wd)
    }
    return add(name, binary ? .binaryConv(conv) : .conv(conv), [x], outShape)
  }

  package static func validate(_ conv: Convolution, node: String) throws {
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
    let expected = conv.weightShape.reduce(1, *)
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
    return add(name, .elementwise(.batchNorm(bn)), [x], shape(x))
  }

  /// The Channel-adaptive Full-precision Bypass of `x` to `outChannels` channels.
  public mutating func channelBypass(_ name: String, _ x: ValueID, outChannels: Int) throws
    -> ValueID
  {
    let input = shape(x)
    _ = try ChannelBypassPlan(inChannels: input.channels, outChannels: outChannels, node: name)
    return add(
      name, .channelBypass, [x],
      TensorShape(channels: outChannels, height: input.height, width: input.width))
  }

  public mutating func add(_ name: String, _ a: ValueID, _ b: ValueID) throws -> ValueID {
    guard shape(a) == shape(b) else {
      throw BiDenseError(node: name, "cannot add tensors of shapes \(shape(a)) and \(shape(b))")
    }
    return add(name, .add, [a, b], shape(a))
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
    let channels = parts.reduce(0) { $0 + shape($1).channels }
    return add(
      name, .concat, parts,
      TensorShape(channels: channels, height: base.height, width: base.width))
  }

  public mutating func avgPool(_ name: String, _ x: ValueID, _ window: Window) throws -> ValueID {
    let input = shape(x)
    guard window.kernelH > 0, window.kernelW > 0, window.strideH > 0, window.strideW > 0 else {
      throw BiDenseError(node: name, "pool kernel and stride must be positive")
    }
    guard window.padH * 2 <= window.kernelH, window.padW * 2 <= window.kernelW,
      window.padH >= 0, window.padW >= 0
    else {
      throw BiDenseError(
        node: name, "pool padding \(window.padH)x\(window.padW) must be at most half the kernel")
    }
    guard let h = window.forwardExtent(input.height, vertical: true),
      let w = window.forwardExtent(input.width, vertical: false)
    else {
      throw BiDenseError(
        node: name,
        "pool kernel \(window.kernelH)x\(window.kernelW) is larger than the padded input")
    }
    return add(
      name, .avgPool(window), [x], TensorShape(channels: input.channels, height: h, width: w))
  }

  public mutating func adaptiveAvgPool(_ name: String, _ x: ValueID, height: Int, width: Int)
    throws -> ValueID
  {
    guard height > 0, width > 0 else {
      throw BiDenseError(node: name, "adaptive pool size \(height)x\(width) must be positive")
    }
    return add(
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
    return add(
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
    return add(
      name, .upsampleNearest(scale: scale), [x],
      TensorShape(
        channels: input.channels, height: input.height * scale, width: input.width * scale))
  }

  public mutating func learnableBias(_ name: String, _ x: ValueID, _ bias: [Float]) throws
    -> ValueID
  {
    try requireLength(name, bias, shape(x).channels, "bias")
    return add(name, .elementwise(.learnableBias(bias)), [x], shape(x))
  }

  public mutating func prelu(_ name: String, _ x: ValueID, _ weight: [Float]) throws -> ValueID {
    // nn.PReLU() with one parameter broadcasts it over every channel.
    let channels = shape(x).channels
    let perChannel = weight.count == 1 ? [Float](repeating: weight[0], count: channels) : weight
    try requireLength(name, perChannel, channels, "weight")
    return add(name, .elementwise(.prelu(perChannel)), [x], shape(x))
  }

  public mutating func unary(_ name: String, _ x: ValueID, _ op: ElementwiseOp) -> ValueID {
    add(name, .elementwise(op), [x], shape(x))
  }
}
