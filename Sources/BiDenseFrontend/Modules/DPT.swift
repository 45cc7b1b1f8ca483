import BiDenseIR

/// The BiDense DPT decoder blocks (`models/dpt/bidense_dpt.py`).
extension ModuleBuilder {
  /// ResidualConvUnit: PReLU(LearnableBias(x)) → BiDenseConv 3×3 (bias) → PReLU(LearnableBias)
  /// → BiDenseConv 3×3 (bias). Despite its name, no residual is added.
  mutating func residualConvUnit(_ path: String, features: Int, _ x: ValueID) throws -> ValueID {
    let args = ConvolutionArguments(
      inChannels: features, outChannels: features, kernel: 3, padding: 1, bias: true)
    var y = try learnableBias(child(path, "move1"), x)
    y = try prelu(child(path, "prelu1"), y)
    y = try biDenseConv(child(path, "conv1"), args, transposed: false, y)
    y = try learnableBias(child(path, "move2"), y)
    y = try prelu(child(path, "prelu2"), y)
    return try biDenseConv(child(path, "conv2"), args, transposed: false, y)
  }

  /// FeatureFusionBlock: x0 (+ RCU1(x1)) → RCU2 → bilinear ×2 (align_corners).
  mutating func featureFusionBlock(_ path: String, features: Int, _ xs: [ValueID]) throws -> ValueID
  {
    guard xs.count == 1 || xs.count == 2 else {
      throw BiDenseError(node: path, "FeatureFusionBlock takes 1 or 2 inputs, got \(xs.count)")
    }
    var y = xs[0]
    if xs.count == 2 {
      let refined = try residualConvUnit(child(path, "resConfUnit1"), features: features, xs[1])
      y = try graph.add(node(path, "add"), y, refined)
    }
    y = try residualConvUnit(child(path, "resConfUnit2"), features: features, y)
    let shape = graph.shape(y)
    return try graph.resizeBilinear(
      node(path, "resize"), y, height: shape.height * 2, width: shape.width * 2)
  }
}

extension ModuleTable {
  static let residualConvUnit = ModuleDefinition(
    "ResidualConvUnit",
    "DPT: PReLU(LearnableBias) → BiDenseConv2d 3×3, twice; no residual despite the name",
    source: ModuleBuilder.dptFile,
    attributes: [.channels("features")],
    parameters: [
      .tensors(["move1.bias", "move2.bias"], shape: "[1, features, 1, 1]"),
      .tensors(["prelu1.weight", "prelu2.weight"], shape: "[features]"),
      .child("conv1.", module: "BiDenseConv2d", note: "3×3 p1, with bias"),
      .child("conv2.", module: "BiDenseConv2d", note: "3×3 p1, with bias"),
    ]
  ) { b, call in
    try b.residualConvUnit(call.path, features: try call.attributes.int("features"), call.input)
  }

  static let featureFusionBlock = ModuleDefinition(
    "FeatureFusionBlock",
    "DPT: x0 (+ resConfUnit1(x1)) → resConfUnit2 → bilinear ×2 (align_corners)",
    source: ModuleBuilder.dptFile,
    arity: .between(1, 2), attributes: [.channels("features")],
    parameters: [
      .child("resConfUnit1.", module: "ResidualConvUnit", note: "with a second input"),
      .child("resConfUnit2.", module: "ResidualConvUnit"),
    ]
  ) { b, call in
    try b.featureFusionBlock(
      call.path, features: try call.attributes.int("features"), call.inputs)
  }
}

/// BiDense's `BinaryLinear` (the DPT readout, `binary/bidense.py`) and the DPT models
/// (`models/dpt/bidense_dpt.py`) on the binarized ViT.
extension ModuleBuilder {
  static let dptFile = "models/dpt/bidense_dpt.py"
  static let bidenseFile = "binary/bidense.py"

  /// BinaryLinear(in, out, bias, bypass): sign(x + move) · (a ⊙ sign(W − row mean))ᵀ (+ bias),
  /// a = mean|W| per row; with the bypass, LayerNorm(out, eps 1e-6) + CFB_1d(x, out).
  mutating func readoutLinear(
    _ path: String, inChannels: Int, outChannels: Int, bias hasBias: Bool, bypass: Bool,
    _ x: ValueID
  ) throws -> ValueID {
    let name = path.isEmpty ? "linear" : path
    if bypass {
      _ = try ChannelBypassPlan(
        inChannels: inChannels, outChannels: outChannels, contiguous: true,
        node: node(path, "bypass"))
    }
    try graph.limits.checkTensor([outChannels, inChannels], node: name, what: "weight")
    let weight = try weights.take(
      parameter(path, "weight"), shape: [outChannels, inChannels], node: name)
    let bias =
      hasBias
      ? try vector(path, "bias", outChannels) : [Float](repeating: 0, count: outChannels)
    let move = try weights.take(
      parameter(child(path, "move"), "bias"), shape: [1, 1, inChannels], node: name)
    var y = try graph.binaryLinear(
      name, x,
      BinaryLinear(
        inFeatures: inChannels, outFeatures: outChannels, weight: weight,
        scale: BinaryLinear.meanAbsoluteWeight(weight, outFeatures: outChannels), bias: bias,
        move: move))
    guard bypass else { return y }
    y = try layerNorm(child(path, "norm"), y, epsilon: 1e-6)
    let shortcut = try graph.channelBypass1D(node(path, "bypass"), x, outChannels: outChannels)
    return try graph.add(node(path, "add"), y, shortcut)
  }

  /// The DPT trunk shared by the depth and segmentation models, up to output_conv1 resized
  /// back to the input's size; the caller adds the head (`scratch.output_conv2`).
  mutating func dptTrunk(_ path: String, _ a: Attributes, features: Int, _ x: ValueID) throws
    -> ValueID
  {
    let input = graph.shape(x)
    let outChannels = try a.ints("out_channels")
    let vit = ViTSettings(
      imageSize: try a.int("vit_img_size"), patch: try a.int("vit_patch"),
      embedDim: try a.int("vit_embed_dim"), depth: try a.int("vit_depth"),
      heads: try a.int("vit_heads"))
    guard vit.patch == 14 else {
      throw BiDenseError(
        "\(a.place("vit_patch")) is \(vit.patch): DPT sizes its token grid as 2·⌊h/28⌋ × "
          + "2·⌊w/28⌋, which holds for patch 14 only")
    }
    guard vit.imageSize >= vit.patch else {
      throw BiDenseError("\(a.place("vit_img_size")) is smaller than the patch")
    }
    guard vit.depth >= 4 else {
      throw BiDenseError(
        "\(a.place("vit_depth")) is \(vit.depth): DPT takes the last 4 blocks' outputs")
    }
    guard input.channels == 3 else {
      throw BiDenseError("DPT takes an RGB image, [1, 3, H, W], not \(input)")
    }
    let ph = 2 * (input.height / 28)
    let pw = 2 * (input.width / 28)
    guard ph > 0, pw > 0 else {
      throw BiDenseError("DPT needs an input of at least 28x28, not \(input.height)x\(input.width)")
    }
    let backbone = child(path, "backbone")
    let resized = try graph.resizeAntialiased(
      node(path, "resize_input"), x, height: 14 * ph, width: 14 * pw)
    // The class tokens only when the readout reads them: no dead slices to compute.
    let readsClassToken = try a.bool("use_clstoken")
    let layers = try vitIntermediateLayers(
      backbone, vit, taking: Array((vit.depth - 4)..<vit.depth), reshape: false,
      classToken: readsClassToken, norm: true, resized)
    let e = vit.embedDim
    var features4: [ValueID] = []
    for i in 0..<4 {
      var tokens = layers[readsClassToken ? 2 * i : i]
      if readsClassToken {
        let readout = child(child(path, "readout_projects"), "\(i)")
        let joined = try graph.appendTokenToRows(
          node(readout, "cat"), tokens, layers[2 * i + 1])
        tokens = try readoutLinear(
          child(readout, "0"), inChannels: 2 * e, outChannels: e, bias: true, bypass: true, joined)
        tokens = try learnableBias(child(readout, "1"), tokens)
        tokens = try prelu(child(readout, "2"), tokens)
      }
      var y = try graph.tokensToImage(node(path, "reassemble.\(i)"), tokens, height: ph, width: pw)
      y = try biDenseConv(
        child(child(path, "projects"), "\(i)"),
        ConvolutionArguments(inChannels: e, outChannels: outChannels[i], kernel: 1),
        transposed: false, y)
      let resize = child(child(path, "resize_layers"), "\(i)")
      switch i {
      case 0:
        y = try biDenseUp(
          resize, inChannels: outChannels[0], outChannels: outChannels[0], scale: 4, y)
      case 1:
        y = try biDenseUp(
          resize, inChannels: outChannels[1], outChannels: outChannels[1], scale: 2, y)
      case 3:
        y = try biDenseDown(resize, inChannels: outChannels[3], outChannels: outChannels[3], y)
      default:
        break
      }
      features4.append(
        try biDenseConv(
          child(child(path, "scratch"), "layer\(i + 1)_rn"),
          ConvolutionArguments(
            inChannels: outChannels[i], outChannels: features, kernel: 3, padding: 1),
          transposed: false, y))
    }
    let scratch = child(path, "scratch")
    var p = try featureFusionBlock(
      child(scratch, "refinenet4"), features: features, [features4[3]])
    // refinenet4 gets one input: its resConfUnit1 is in the state_dict but never runs.
    let unused = parameter(child(child(scratch, "refinenet4"), "resConfUnit1"), "")
    for name in weights.tensors.keys where name.hasPrefix(unused) { weights.acknowledge(name) }
    for k in [3, 2, 1] {
      p = try featureFusionBlock(
        child(scratch, "refinenet\(k)"), features: features, [p, features4[k - 1]])
    }
    let out = try biDenseConv(
      child(scratch, "output_conv1"),
      ConvolutionArguments(inChannels: features, outChannels: features / 2, kernel: 3, padding: 1),
      transposed: false, p)
    return try graph.resizeBilinear(
      node(path, "resize"), out, height: input.height, width: input.width)
  }

  /// BiDenseDPTDepthModel: the trunk, then the depth head at `scratch.output_conv2`.
  mutating func dptDepth(_ path: String, _ a: Attributes, _ x: ValueID) throws -> ValueID {
    let features = try a.int("features")
    let y = try dptTrunk(path, a, features: features, x)
    return try depthHead(
      path, head: child(child(path, "scratch"), "output_conv2"), features: features,
      maxDepth: try a.double("max_depth"), y)
  }

  /// BiDenseDPTSegmentationModel: the trunk, then the segmentation head at
  /// `scratch.output_conv2`.
  mutating func dptSegmentation(_ path: String, _ a: Attributes, _ x: ValueID) throws -> ValueID {
    let features = try a.int("features")
    let y = try dptTrunk(path, a, features: features, x)
    return try segmentationHead(
      head: child(child(path, "scratch"), "output_conv2"), features: features,
      classes: try a.int("num_classes"), y)
  }
}

extension ModuleTable {
  static let readoutBinaryLinear = ModuleDefinition(
    "BinaryLinear",
    "DPT readout: sign(x + move) · (a ⊙ sign(W − row mean))ᵀ + bias, ternary; with bypass, "
      + "LayerNorm of it + the contiguous 1-D channel bypass of x",
    source: ModuleBuilder.bidenseFile,
    attributes: [
      .channels("in_channels"), .channels("out_channels"), .flag("bias", true),
      .flag("bypass", true, note: "LayerNorm(out, eps 1e-6) + channel_adaptive_bypass_1d(x)"),
    ],
    parameters: [
      .tensors(["weight"], shape: "[out, in]"),
      .tensors(["bias"], shape: "[out]", when: "with bias"),
      .tensors(["move.bias"], shape: "[1, 1, in]"),
      .tensors(["norm.weight", "norm.bias"], shape: "[out]", when: "with bypass"),
    ]
  ) { b, call in
    let a = call.attributes
    return try b.readoutLinear(
      call.path, inChannels: try a.int("in_channels"), outChannels: try a.int("out_channels"),
      bias: try a.bool("bias"), bypass: try a.bool("bypass"), call.input)
  }

  /// The arguments both DPT models take, with the backbone's size as extension keys.
  static let dptAttributes: [AttributeSpec] = [
    AttributeSpec("features", .int(2...Limits.maxChannels), .value(.int(256))),
    AttributeSpec(
      "out_channels", .intList(1...Limits.maxChannels, count: 4...4),
      .value(.ints([48, 96, 192, 384]))),
    .flag("use_clstoken", false, note: "readout applied per channel on the tokens' last axis"),
    AttributeSpec(
      "vit_embed_dim", .int(1...Limits.maxChannels), .value(.int(384)),
      note: "bidensec's key for a smaller backbone than dinov2_vits14"),
    AttributeSpec("vit_depth", .int(4...1024), .value(.int(12))),
    AttributeSpec("vit_heads", .int(1...Limits.maxChannels), .value(.int(6))),
    AttributeSpec("vit_patch", .int(14...14), .value(.int(14))),
    AttributeSpec("vit_img_size", .int(14...Limits.maxExtent), .value(.int(518))),
  ]

  static let dptParameters: [ParameterEntry] = [
    .child(
      "backbone.", module: "VisionTransformer",
      note: "dinov2_vits14: mlp_ratio 4, LayerScale, offset 0.1; `mask_token` unused"),
    .child("projects.i.", module: "BiDenseConv2d", note: "1×1, E → out_channels[i]"),
    .child(
      "resize_layers.{0,1,3}.", module: "BiDenseUp / BiDenseDown",
      note: "BiDenseUp(4), BiDenseUp(2), Identity, BiDenseDown"),
    .child(
      "readout_projects.i.", module: "BinaryLinear, LearnableBias, PReLU",
      note: "with use_clstoken: `.0.` BinaryLinear(2E, E), `.1.bias`, `.2.weight`"),
    .child("scratch.layerk_rn.", module: "BiDenseConv2d", note: "3×3 p1, to features"),
    .child(
      "scratch.refinenetk.", module: "FeatureFusionBlock",
      note: "refinenet4's resConfUnit1 unused"),
    .child("scratch.output_conv1.", module: "BiDenseConv2d", note: "3×3 p1, to features / 2"),
    .child("scratch.output_conv2.0.", module: "BiDenseConv2d", note: "3×3 p1"),
  ]

  static let dptDepth = ModuleDefinition(
    "BiDenseDPTDepthModel",
    "BiDense DPT for depth: binarized ViT, reassembly, fusion, then max_depth · sigmoid of a "
      + "1×1 head",
    source: ModuleBuilder.dptFile,
    attributes: [.maxDepth] + dptAttributes,
    parameters: dptParameters + ParameterEntry.depthHead("scratch.output_conv2.2.")
  ) { b, call in try b.dptDepth(call.path, call.attributes, call.input) }

  static let dptSegmentation = ModuleDefinition(
    "BiDenseDPTSegmentationModel",
    "BiDense DPT for segmentation: the same trunk, a 1×1 head to the classes",
    source: ModuleBuilder.dptFile,
    attributes: [.channels("num_classes")] + dptAttributes,
    parameters: dptParameters + ParameterEntry.segmentationHead("scratch.output_conv2.2.")
  ) { b, call in try b.dptSegmentation(call.path, call.attributes, call.input) }
}
