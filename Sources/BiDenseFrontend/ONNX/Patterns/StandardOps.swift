import BiDenseIR

/// The ONNX ops that map one to one onto float ops of the primitive graph: float convolution,
/// BatchNormalization, AveragePool, Resize (nearest by a whole scale, bilinear with
/// align_corners), Concat, Relu, Sigmoid, PRelu, and Add, Sub and Mul with a per-channel
/// constant (LearnableBias, a BatchNorm-like scale, max_depth, a ViT's LayerScale), or on
/// tokens Add of a constant of their whole shape (the position embedding). Each rule returns false when
/// the node is not lowered on its own (it stays pending, part of some pattern), and throws when
/// it is of its op's form but something in it is not supported.
extension ONNXImporter {
  // MARK: Elementwise

  func lowerUnary(_ i: Int) throws -> Bool {
    let node = nodes[i]
    guard loweredTensor(node.inputs[0]) != nil || isPending(node.inputs[0]) else { return false }
    let x = try tensor(of: node.inputs[0], for: i)
    let op: ElementwiseOp = node.opType == "Relu" ? .relu : .sigmoid
    setTensor(i, try builder.unary(nodeName(i), x, op))
    return true
  }

  func lowerIdentity(_ i: Int) throws -> Bool {
    let node = nodes[i]
    guard let input = node.inputs.first, loweredTensor(input) != nil else { return false }
    guard node.outputs.count == 1 || index.liveConsumers(node.outputs[1]).isEmpty else {
      throw failure(i, "its mask output is used; export the model in eval mode")
    }
    tensors[node.outputs[0]] = tensors[input]
    return true
  }

  func lowerPReLU(_ i: Int) throws -> Bool {
    let node = nodes[i]
    guard node.inputs.count == 2 else { throw failure(i, "needs two inputs") }
    if try lowerTransposedTokenPReLU(i) { return true }
    let x = try tensor(of: node.inputs[0], for: i)
    let slope = try requireConstant(node.inputs[1], "the slope")
    let weight = try perChannel(slope, of: x, "the slope", allowShared: true)
    setTensor(i, try builder.prelu(nodeName(i), x, weight))
    return true
  }

  /// Add: of two tensors (a sum, or a binary layer plus its bypass), or of a tensor and a
  /// per-channel constant (LearnableBias). Adds of pending values are parts of patterns.
  func lowerAdd(_ i: Int) throws -> Bool {
    let node = nodes[i]
    guard node.inputs.count == 2 else { throw failure(i, "needs two inputs") }
    let (a, b) = (node.inputs[0], node.inputs[1])
    let tensors = [a, b].filter { loweredTensor($0) != nil }
    guard !tensors.isEmpty else { return false }
    if let c = [a, b].first(where: { isConstant($0) }) {
      let x = try tensor(of: c == a ? b : a, for: i)
      let constant = try requireConstant(c, "the added constant")
      if builder.shape(x).isTokens, let values = try tokenConstant(constant, of: x) {
        // A constant that varies by token: the ViT's interpolated position embedding.
        setTensor(i, try builder.addConstant(nodeName(i), x, values))
        constantCache[c] = nil
        return true
      }
      let bias = try perChannel(constant, of: x, "the added constant", allowShared: true)
      setTensor(i, try builder.learnableBias(nodeName(i), x, broadcast(bias, x)))
      // dynamo expands the bias to the whole activation: no need to keep it.
      constantCache[c] = nil
      return true
    }
    // A binary layer's output plus the other operand: the layer's bypass, named after it.
    let layer = tensors.compactMap { loweredTensor($0).flatMap { layerOfValue[$0] } }.first
    let bypassName = layer.map { ModuleNames.node($0, "bypass") }
    let ids = try [a, b].map { value -> ValueID in
      try tensor(of: value, for: i, name: loweredTensor(value) == nil ? bypassName : nil)
    }
    let name = layer.map { ModuleNames.node($0, "add") } ?? nodeName(i)
    setTensor(i, try builder.add(name, ids[0], ids[1]))
    return true
  }

  /// Mul of a tensor by a constant (a scalar: Multiply; per channel: a BatchNorm that only
  /// scales) and Sub of a constant from a tensor (LearnableBias of the negated constant,
  /// which is exact: x − c and x + (−c) round alike).
  func lowerScaleOrShift(_ i: Int) throws -> Bool {
    let node = nodes[i]
    guard node.inputs.count == 2 else { throw failure(i, "needs two inputs") }
    let (a, b) = (node.inputs[0], node.inputs[1])
    let isSub = node.opType == "Sub"
    let (tensorSide, constantSide) =
      loweredTensor(a) != nil && isConstant(b)
      ? (a, b) : !isSub && loweredTensor(b) != nil && isConstant(a) ? (b, a) : ("", "")
    guard !tensorSide.isEmpty else {
      if isSub, loweredTensor(b) != nil, isConstant(a) {
        throw failure(i, "subtracts a tensor from a constant, which is not supported")
      }
      return false
    }
    let x = try tensor(of: tensorSide, for: i)
    let c = try perChannel(
      try requireConstant(constantSide, "the constant"), of: x, "the constant", allowShared: true)
    if isSub {
      setTensor(i, try builder.learnableBias(nodeName(i), x, broadcast(c.map { -$0 }, x)))
    } else if builder.shape(x).isTokens && c.count > 1 {
      // Tokens times a vector per channel: the ViT block's LayerScale.
      setTensor(i, try builder.unary(nodeName(i), x, .layerScale(c)))
    } else if c.count == 1 {
      setTensor(i, try builder.unary(nodeName(i), x, .multiply(c[0])))
    } else {
      setTensor(i, try builder.batchNorm(nodeName(i), x, Self.scaling(c)))
    }
    return true
  }

  /// y = s_c · x as a BatchNorm: (x − 0) / sqrt(1 + 0) · s_c + 0, exact in float.
  static func scaling(_ scale: [Float], shift: [Float]? = nil) -> BatchNorm {
    BatchNorm(
      weight: scale, bias: shift ?? [Float](repeating: 0, count: scale.count),
      runningMean: [Float](repeating: 0, count: scale.count),
      runningVar: [Float](repeating: 1, count: scale.count), epsilon: 0)
  }

  // MARK: Float convolution and BatchNorm

  func lowerFloatConvolution(_ i: Int) throws {
    let node = nodes[i]
    guard node.opType == "Conv" else {
      throw failure(
        i,
        "transposed convolution of a tensor that no DAB binarizes: only binary transposed "
          + "convolutions are supported")
    }
    let x = try tensor(of: node.inputs[0], for: i)
    let weight = try requireConstant(node.inputs[1], "the weight")
    var conv = try convolutionGeometry(i, input: builder.shape(x), weightShape: weight.shape)
    conv.weight = try weight.floats("the weight")
    conv.bias = try bias(i, conv.outChannels)
    constantCache[node.inputs[1]] = nil
    // A float convolution's weight keeps its state_dict name (`head.weight`), even when the
    // exporter folded a BatchNorm into it: that names the module, as a model spec would.
    let weightName = node.inputs[1]
    let name =
      index.initializers[weightName] != nil && weightName.hasSuffix(".weight")
      ? String(weightName.dropLast(".weight".count)) : nodeName(i)
    setTensor(i, try builder.convolution(name, x, conv, binary: false))
  }

  /// The optional third input of Conv / ConvTranspose: one value per output channel.
  func bias(_ i: Int, _ channels: Int) throws -> [Float]? {
    let node = nodes[i]
    guard node.inputs.count > 2, !node.inputs[2].isEmpty else { return nil }
    let bias = try requireConstant(node.inputs[2], "the bias")
    guard bias.count == channels else {
      throw failure(i, "has a bias of shape \(bias.shape), expected [\(channels)]")
    }
    return try bias.floats("the bias")
  }

  /// Geometry of a Conv or ConvTranspose: attributes checked, channels from the input and
  /// the weight's shape (no weights yet).
  func convolutionGeometry(_ i: Int, input: TensorShape, weightShape: [Int]) throws -> Convolution {
    let node = nodes[i]
    let transposed = node.opType == "ConvTranspose"
    guard weightShape.count == 4 else {
      throw failure(i, "has a weight of shape \(weightShape); only 2-D convolutions are supported")
    }
    let groups = try node.int("group", default: 1)
    guard groups >= 1, groups <= Limits.maxChannels else {
      throw failure(i, "has group \(groups)")
    }
    let kernel = try node.ints("kernel_shape") ?? Array(weightShape[2...])
    guard kernel == Array(weightShape[2...]) else {
      throw failure(
        i, "kernel_shape \(kernel) differs from the weight's \(Array(weightShape[2...]))")
    }
    let strides = try node.ints("strides") ?? [1, 1]
    let dilations = try node.ints("dilations") ?? [1, 1]
    let pads = try node.ints("pads") ?? [0, 0, 0, 0]
    let autoPad = try node.string("auto_pad") ?? "NOTSET"
    guard autoPad == "NOTSET" || (autoPad == "VALID" && pads.allSatisfy { $0 == 0 }) else {
      throw failure(i, "auto_pad '\(printable(autoPad))' is not supported; export explicit pads")
    }
    guard strides.count == 2, dilations.count == 2, pads.count == 4 else {
      throw failure(i, "has strides \(strides), dilations \(dilations), pads \(pads); expected 2-D")
    }
    guard pads[0] == pads[2], pads[1] == pads[3] else {
      throw failure(i, "pads \(pads) are not symmetric, which PyTorch's convolutions never are")
    }
    if transposed {
      let outputPadding = try node.ints("output_padding") ?? [0, 0]
      guard outputPadding.allSatisfy({ $0 == 0 }), try node.ints("output_shape") == nil else {
        throw failure(i, "output_padding \(outputPadding) or output_shape is not supported")
      }
    }
    let inChannels = input.channels
    let outChannels = transposed ? Checked.multiply(weightShape[1], groups) ?? 0 : weightShape[0]
    let perGroup = transposed ? weightShape[0] : Checked.multiply(weightShape[1], groups) ?? 0
    guard perGroup == inChannels else {
      throw failure(
        i,
        "has a weight of shape \(weightShape) with group \(groups) for an input of "
          + "\(inChannels) channels")
    }
    let conv = Convolution(
      inChannels: inChannels, outChannels: outChannels,
      window: Window(
        kernel: (kernel[0], kernel[1]), stride: (strides[0], strides[1]),
        padding: (pads[0], pads[1]), dilation: (dilations[0], dilations[1])),
      groups: groups, transposed: transposed, weight: [], bias: nil)
    try builder.validateGeometry(conv, node: nodeName(i))
    return conv
  }

  /// BatchNormalization on a tensor (a binary convolution's is taken with the convolution).
  func lowerBatchNorm(_ i: Int) throws -> Bool {
    let node = nodes[i]
    let x = try tensor(of: node.inputs[0], for: i)
    setTensor(i, try builder.batchNorm(nodeName(i), x, try batchNormParameters(i)))
    return true
  }

  func batchNormParameters(_ i: Int) throws -> BatchNorm {
    let node = nodes[i]
    guard node.inputs.count == 5 else {
      throw failure(i, "needs five inputs (x, scale, bias, mean, var)")
    }
    guard try node.int("training_mode", default: 0) == 0,
      node.outputs.dropFirst().allSatisfy({ index.liveConsumers($0).isEmpty })
    else {
      throw failure(i, "is in training mode; export the model in eval mode")
    }
    let parameters = try ["scale", "bias", "mean", "var"].enumerated().map { k, role in
      try requireConstant(node.inputs[k + 1], "the \(role)").floats("the \(role)")
    }
    return BatchNorm(
      weight: parameters[0], bias: parameters[1], runningMean: parameters[2],
      runningVar: parameters[3], epsilon: try node.float("epsilon") ?? 1e-5)
  }

  // MARK: Pooling, resizing, concatenation

  func lowerAveragePool(_ i: Int) throws -> Bool {
    let node = nodes[i]
    let x = try tensor(of: node.inputs[0], for: i)
    guard let kernel = try node.ints("kernel_shape"), kernel.count == 2 else {
      throw failure(i, "needs a 2-D kernel_shape")
    }
    let strides = try node.ints("strides") ?? [1, 1]
    let pads = try node.ints("pads") ?? [0, 0, 0, 0]
    let dilations = try node.ints("dilations") ?? [1, 1]
    let autoPad = try node.string("auto_pad") ?? "NOTSET"
    guard strides.count == 2, pads.count == 4, dilations == [1, 1], autoPad == "NOTSET" else {
      throw failure(
        i,
        "strides \(strides), pads \(pads), dilations \(dilations), auto_pad '\(autoPad)' "
          + "are not supported")
    }
    guard pads[0] == pads[2], pads[1] == pads[3] else {
      throw failure(i, "pads \(pads) are not symmetric")
    }
    guard try node.int("ceil_mode", default: 0) == 0 else {
      throw failure(i, "ceil_mode 1 is not supported (PyTorch's default is floor)")
    }
    // Without padding every window is whole, so count_include_pad makes no difference.
    guard try node.int("count_include_pad", default: 0) == 1 || pads.allSatisfy({ $0 == 0 })
    else {
      throw failure(
        i, "count_include_pad 0 with padding is not supported (PyTorch's default counts it)")
    }
    let window = Window(
      kernel: (kernel[0], kernel[1]), stride: (strides[0], strides[1]),
      padding: (pads[0], pads[1]))
    setTensor(i, try builder.avgPool(nodeName(i), x, window))
    return true
  }

  /// Resize: nearest (asymmetric, floor) by a whole scale equal on both axes, as
  /// F.interpolate(mode='nearest') exports; or linear with align_corners to any size.
  func lowerResize(_ i: Int) throws -> Bool {
    let node = nodes[i]
    let x = try tensor(of: node.inputs[0], for: i)
    let input = builder.shape(x)
    let mode = try node.string("mode") ?? "nearest"
    let transform = try node.string("coordinate_transformation_mode") ?? "half_pixel"
    // torchvision's antialiased resize of a DPT input whose sides are not multiples of 28
    // exports as antialias=1; no export of it has been checked against the primitive
    // resizeAntialiased, so it is not taken on trust.
    guard try node.int("antialias", default: 0) == 0 else {
      throw failure(
        i,
        "antialiased resizing (antialias=1) is not supported; a DPT model exports without it "
          + "when the input's height and width are multiples of 28")
    }
    if let axes = try node.ints("axes"), axes != [0, 1, 2, 3], axes != [2, 3], axes != [-2, -1] {
      throw failure(i, "resizes axes \(axes); only height and width can change")
    }
    if let policy = try node.string("keep_aspect_ratio_policy"), policy != "stretch" {
      throw failure(i, "keep_aspect_ratio_policy '\(printable(policy))' is not supported")
    }
    let (height, width) = try resizeTarget(i, input)
    switch (mode, transform) {
    case ("nearest", "asymmetric"):
      let nearest = try node.string("nearest_mode") ?? "round_prefer_floor"
      guard nearest == "floor" else {
        throw failure(i, "nearest_mode '\(printable(nearest))' is not supported (floor is)")
      }
      guard height % input.height == 0, width % input.width == 0,
        height / input.height == width / input.width
      else {
        throw failure(
          i,
          "nearest resizing of \(input) to \(height)x\(width) is not by a whole scale equal "
            + "on both axes, the only kind supported")
      }
      setTensor(i, try builder.upsampleNearest(nodeName(i), x, scale: height / input.height))
    case ("linear", "align_corners"):
      setTensor(i, try builder.resizeBilinear(nodeName(i), x, height: height, width: width))
    default:
      throw failure(
        i,
        "mode '\(printable(mode))' with coordinate_transformation_mode "
          + "'\(printable(transform))' is not supported: bidensec lowers nearest (asymmetric, "
          + "floor, whole scale) and linear (align_corners)")
    }
    return true
  }

  /// The output height and width of a Resize, from its scales or sizes input.
  func resizeTarget(_ i: Int, _ input: TensorShape) throws -> (Int, Int) {
    let node = nodes[i]
    let operand = { (k: Int) -> String? in
      k < node.inputs.count && !node.inputs[k].isEmpty ? node.inputs[k] : nil
    }
    if let sizes = operand(3) {
      let values = try requireConstant(sizes, "the sizes").indices("the sizes")
      let dims = values.count == 2 ? [1, input.channels] + values : values
      guard dims.count == 4, dims[0] == 1, dims[1] == input.channels, dims[2] > 0, dims[3] > 0
      else {
        throw failure(i, "sizes \(values) do not fit an input \(input)")
      }
      return (dims[2], dims[3])
    }
    guard let scalesName = operand(2) else { throw failure(i, "has neither scales nor sizes") }
    let scales = try requireConstant(scalesName, "the scales").floats("the scales")
    let all = scales.count == 2 ? [1, 1] + scales : scales
    guard all.count == 4, all[0] == 1, all[1] == 1, all[2] > 0, all[3] > 0,
      all[2] < Float(Limits.maxExtent), all[3] < Float(Limits.maxExtent)
    else {
      throw failure(i, "scales \(scales) are not supported (batch and channels must stay)")
    }
    // ONNX: output = floor(input · scale).
    let h = Int((Float(input.height) * all[2]).rounded(.down))
    let w = Int((Float(input.width) * all[3]).rounded(.down))
    guard h > 0, w > 0 else { throw failure(i, "scales \(scales) give an empty output") }
    return (h, w)
  }

  /// Concat along channels of tensors; a Concat that reads pending values waits until it is
  /// read (it may be a bypass).
  func lowerConcat(_ i: Int) throws -> Bool {
    let node = nodes[i]
    if let id = try prependedToken(i) {
      setTensor(i, id)
      return true
    }
    guard node.inputs.allSatisfy({ loweredTensor($0) != nil }) else { return false }
    setTensor(i, try concatenate(i))
    return true
  }

  func concatenate(_ i: Int) throws -> ValueID {
    let node = nodes[i]
    let axis = try node.int("axis", default: nil)
    guard axis == 1 || axis == -3 else {
      throw failure(i, "concatenates along axis \(axis); only channels (axis 1) are supported")
    }
    let parts = try node.inputs.map { try tensor(of: $0, for: i) }
    return try builder.concat(nodeName(i), parts)
  }

  // MARK: Helpers

  /// Maps node `i`'s first output to `id`.
  func setTensor(_ i: Int, _ id: ValueID) {
    tensors[nodes[i].outputs[0]] = id
  }

  /// A constant that broadcasts onto tensor `x` without enlarging it and that is the same at
  /// every position: one value per channel, or one for all when `allowShared`.
  func perChannel(_ value: TensorValue, of x: ValueID, _ what: String, allowShared: Bool) throws
    -> [Float]
  {
    try perChannel(value, shape: builder.shape(x), what, allowShared: allowShared)
  }

  func perChannel(_ value: TensorValue, shape: TensorShape, _ what: String, allowShared: Bool)
    throws -> [Float]
  {
    let dims = Self.dims(shape)
    guard Strides.broadcast(value.shape, dims) == dims else {
      throw BiDenseError(
        "\(what) has shape \(value.shape), which does not broadcast onto the tensor \(dims)")
    }
    let v = try value.floats(what)
    if v.count == 1 && allowShared { return v }
    let values = try value.gathering(Strides.broadcastSource(value.shape, to: dims), shape: dims)
      .floats(what)
    var result = [Float?](repeating: nil, count: shape.channels)
    for (k, element) in values.enumerated() {
      let c = shape.channel(ofElement: k)
      guard let first = result[c] else {
        result[c] = element
        continue
      }
      guard element == first || (first.isNaN && element.isNaN) else {
        let place = shape.isTokens ? "token" : "height and width"
        throw BiDenseError(
          "\(what) varies over \(place) in channel \(c); only per-channel constants "
            + "are supported")
      }
    }
    return result.map { $0 ?? 0 }
  }

  /// One value per channel of tensor `x` (tokens), the same for every token: a bias or move
  /// that dynamo expanded to [1, T, C].
  func tokenVector(_ value: TensorValue, of x: ValueID, _ what: String) throws -> [Float] {
    try tokenVector(value, shape: builder.shape(x), what)
  }

  func tokenVector(_ value: TensorValue, shape: TensorShape, _ what: String) throws -> [Float] {
    let v = try perChannel(value, shape: shape, what, allowShared: true)
    return v.count == 1 ? [Float](repeating: v[0], count: shape.channels) : v
  }

  /// The values of `constant` over the whole of tokens `x` when it varies by token and has
  /// exactly x's shape; nil when it is a constant per channel.
  func tokenConstant(_ constant: TensorValue, of x: ValueID) throws -> [Float]? {
    let dims = Self.dims(builder.shape(x))
    guard constant.shape == dims || constant.shape == Array(dims.dropFirst()) else { return nil }
    if (try? perChannel(constant, of: x, "", allowShared: true)) != nil { return nil }
    return try constant.floats("the added constant")
  }

  /// A per-channel vector of one value stretched to every channel of `x`.
  func broadcast(_ values: [Float], _ x: ValueID) -> [Float] {
    values.count == 1
      ? [Float](repeating: values[0], count: builder.shape(x).channels) : values
  }
}
