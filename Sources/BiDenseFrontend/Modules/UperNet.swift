import BiDenseIR

/// UperNet on the BiDense ConvNeXt (`models/upernet/bidense_upernet.py`): PSPModule, FPN_fuse
/// and the depth and segmentation models.
extension ModuleBuilder {
  static let uperNetFile = "models/upernet/bidense_upernet.py"

  /// F.interpolate(x, size, mode="bilinear", align_corners=True).
  mutating func upTo(_ name: String, _ x: ValueID, like reference: ValueID) throws -> ValueID {
    let target = graph.shape(reference)
    return try graph.resizeBilinear(name, x, height: target.height, width: target.width)
  }

  /// PSPModule: pooled pyramids (AdaptiveAvgPool → BiDenseConv 1×1 → LearnableBias → PReLU,
  /// upsampled back), concatenated with the input, then a 3×3 BiDense bottleneck.
  mutating func psp(_ path: String, inChannels: Int, binSizes: [Int] = [1, 2, 4, 6], _ x: ValueID)
    throws -> ValueID
  {
    let outChannels = inChannels / binSizes.count
    guard outChannels >= 1 else {
      throw BiDenseError(
        node: path,
        "PSPModule with \(inChannels) channels cannot split them over \(binSizes.count) bins")
    }
    try requireConvBypass(child(child(child(path, "stages"), "0"), "1"), inChannels, outChannels)
    try requireConvBypass(
      child(child(path, "bottleneck"), "0"), inChannels + outChannels * binSizes.count, inChannels)
    let shape = graph.shape(x)
    var pyramids = [x]
    for (i, bins) in binSizes.enumerated() {
      let stage = child(child(path, "stages"), "\(i)")
      var y = try graph.adaptiveAvgPool(node(stage, "pool"), x, height: bins, width: bins)
      y = try biDenseConv(
        child(stage, "1"),
        ConvolutionArguments(inChannels: inChannels, outChannels: outChannels, kernel: 1),
        transposed: false, y)
      y = try learnableBias(child(stage, "2"), y)
      y = try prelu(child(stage, "3"), y)
      pyramids.append(
        try graph.resizeBilinear(node(stage, "up"), y, height: shape.height, width: shape.width))
    }
    var y = try graph.concat(node(path, "cat"), pyramids)
    let bottleneck = child(path, "bottleneck")
    y = try biDenseConv(
      child(bottleneck, "0"),
      ConvolutionArguments(
        inChannels: inChannels + outChannels * binSizes.count, outChannels: inChannels,
        kernel: 3, padding: 1),
      transposed: false, y)
    y = try learnableBias(child(bottleneck, "1"), y)
    return try prelu(child(bottleneck, "2"), y)  // Dropout2d is the identity in eval
  }

  /// FPN_fuse. Note PyTorch's forward: each level is added to the upsampled level above it
  /// (pairwise, not cumulatively), and the three smooth convolutions are ONE shared module.
  mutating func fpnFuse(_ path: String, channels: [Int], fpnOut: Int, _ input: [ValueID]) throws
    -> ValueID
  {
    guard channels.count == input.count, channels.count >= 2, channels[0] == fpnOut else {
      throw BiDenseError(
        node: path,
        "FPN_fuse needs one feature per channel count and feature_channels[0] == fpn_out, got "
          + "feature_channels \(channels), fpn_out \(fpnOut) and \(input.count) inputs")
    }
    for (i, c) in channels.enumerated().dropFirst() {
      try requireConvBypass(child(child(path, "conv1x1"), "\(i - 1)"), c, fpnOut)
    }
    try requireConvBypass(child(child(path, "conv_fusion"), "0"), channels.count * fpnOut, fpnOut)
    var features = input
    for i in 1..<features.count {
      features[i] = try biDenseConv(
        child(child(path, "conv1x1"), "\(i - 1)"),
        ConvolutionArguments(inChannels: channels[i], outChannels: fpnOut, kernel: 1),
        transposed: false, features[i])
    }
    let smooth = child(child(path, "smooth_conv"), "0")
    for i in 1..<(features.count - 1) {
      try weights.acknowledgeShared(
        child(child(path, "smooth_conv"), "\(i)"), sameAs: smooth, node: path)
    }
    var levels: [ValueID] = []
    for i in (1..<features.count).reversed() {
      let up = try upTo(node(path, "up\(i)"), features[i], like: features[i - 1])
      let sum = try graph.add(node(path, "add\(i)"), up, features[i - 1])
      levels.insert(
        try biDenseConv(
          smooth,
          ConvolutionArguments(inChannels: fpnOut, outChannels: fpnOut, kernel: 3, padding: 1),
          transposed: false, sum), at: 0)
    }
    levels.append(features[features.count - 1])
    for i in 1..<levels.count {
      levels[i] = try upTo(node(path, "resize\(i)"), levels[i], like: levels[0])
    }
    var y = try graph.concat(node(path, "cat"), levels)
    let fusion = child(path, "conv_fusion")
    y = try biDenseConv(
      child(fusion, "0"),
      ConvolutionArguments(
        inChannels: channels.count * fpnOut, outChannels: fpnOut, kernel: 3, padding: 1),
      transposed: false, y)
    y = try learnableBias(child(fusion, "1"), y)
    y = try prelu(child(fusion, "2"), y)
    return try learnableBias(child(fusion, "3"), y)
  }

  /// The UperNet trunk: backbone → PPN on the last feature → FPN → out_conv1 → bilinear back
  /// to the input size. The caller adds the head (`out_conv2`).
  mutating func uperNetTrunk(_ path: String, _ a: Attributes, features: Int, _ x: ValueID)
    throws -> ValueID
  {
    let backbone = try a.string("backbone")
    guard var (depths, dims) = Self.convNeXtVariants[backbone] else {
      throw BiDenseError("unknown backbone '\(printable(backbone))'")
    }
    depths = try a.optionalInts("backbone_depths") ?? depths
    dims = try a.optionalInts("backbone_dims") ?? dims
    let input = graph.shape(x)
    var stages = try convNeXt(
      child(path, "backbone"), inChannels: try a.int("in_channels"), depths: depths, dims: dims,
      x)
    stages[3] = try psp(child(path, "PPN"), inChannels: dims[3], stages[3])
    var y = try fpnFuse(child(path, "FPN"), channels: dims, fpnOut: dims[0], stages)
    y = try biDenseConv(
      child(path, "out_conv1"),
      ConvolutionArguments(inChannels: dims[0], outChannels: features / 2, kernel: 3, padding: 1),
      transposed: false, y)
    return try graph.resizeBilinear(
      node(path, "resize"), y, height: input.height, width: input.width)
  }

  /// BiDenseUperNetDepthModel: the trunk, then the depth head at `out_conv2`.
  mutating func uperNetDepth(_ path: String, _ a: Attributes, _ x: ValueID) throws -> ValueID {
    let features = try a.int("features")
    let y = try uperNetTrunk(path, a, features: features, x)
    return try depthHead(
      path, head: child(path, "out_conv2"), features: features,
      maxDepth: try a.double("max_depth"), y)
  }

  /// BiDenseUperNetSegmentationModel: the trunk, then the segmentation head at `out_conv2`.
  mutating func uperNetSegmentation(_ path: String, _ a: Attributes, _ x: ValueID) throws
    -> ValueID
  {
    let features = try a.int("features")
    let y = try uperNetTrunk(path, a, features: features, x)
    return try segmentationHead(
      head: child(path, "out_conv2"), features: features, classes: try a.int("num_classes"), y)
  }
}

extension ModuleTable {
  static let pspModule = ModuleDefinition(
    "PSPModule",
    "pyramid pooling: per bin size AdaptiveAvgPool → BiDenseConv2d 1×1 → LearnableBias → "
      + "PReLU, upsampled; concatenated with x; a 3×3 bottleneck",
    source: ModuleBuilder.uperNetFile,
    attributes: [
      .channels("in_channels"),
      .channels("out_channel", .optional("= in_channels, the only value supported")),
      AttributeSpec(
        "bin_sizes", .intList(1...Limits.maxExtent, count: 1...64), .value(.ints([1, 2, 4, 6]))),
    ],
    parameters: [
      .child("stages.i.1.", module: "BiDenseConv2d", note: "1×1, C → C / bins"),
      .tensors(["stages.i.2.bias"], shape: "[1, C / bins, 1, 1]"),
      .tensors(["stages.i.3.weight"], shape: "[C / bins]"),
      .child("bottleneck.0.", module: "BiDenseConv2d", note: "3×3 p1, to C"),
      .tensors(["bottleneck.1.bias"], shape: "[1, C, 1, 1]"),
      .tensors(["bottleneck.2.weight"], shape: "[C]"),
    ]
  ) { b, call in
    let a = call.attributes
    let inChannels = try a.int("in_channels")
    if let out = try a.optionalInt("out_channel"), out != inChannels {
      throw BiDenseError(
        "\(a.place("out_channel")) is \(out): PSPModule with out_channel != in_channels "
          + "(\(inChannels)) is not supported")
    }
    return try b.psp(
      call.path, inChannels: inChannels, binSizes: try a.ints("bin_sizes"), call.input)
  }

  static let fpnFuse = ModuleDefinition(
    "FPN_fuse",
    "UperNet's feature pyramid: 1×1 lateral convs, one shared 3×3 smooth conv, fusion",
    source: ModuleBuilder.uperNetFile,
    arity: .oneEach(of: "feature_channels"),
    attributes: [
      AttributeSpec(
        "feature_channels", .intList(1...Limits.maxChannels, count: 2...16),
        .value(.ints([256, 512, 1024, 2048])), note: "the first = fpn_out"),
      .channels("fpn_out", .value(.int(256))),
    ],
    parameters: [
      .child("conv1x1.i.", module: "BiDenseConv2d", note: "1×1, to fpn_out"),
      .child(
        "smooth_conv.0.", module: "BiDenseConv2d",
        note:
          "3×3 p1, one module shared by the levels, stored once; smooth_conv.1., .2. must equal it"),
      .child("conv_fusion.0.", module: "BiDenseConv2d", note: "3×3 p1, to fpn_out"),
      .tensors(["conv_fusion.1.bias", "conv_fusion.3.bias"], shape: "[1, fpn_out, 1, 1]"),
      .tensors(["conv_fusion.2.weight"], shape: "[fpn_out]"),
    ]
  ) { b, call in
    try b.fpnFuse(
      call.path, channels: try call.attributes.ints("feature_channels"),
      fpnOut: try call.attributes.int("fpn_out"), call.inputs)
  }

  /// The arguments both UperNet models take.
  static let uperNetAttributes: [AttributeSpec] = [
    AttributeSpec("features", .int(2...Limits.maxChannels), .value(.int(256))),
    AttributeSpec(
      "backbone", .string(ModuleBuilder.convNeXtVariants.keys.sorted()),
      .value(.string("convnext_tiny"))),
    AttributeSpec(
      "backbone_dims", .intList(1...Limits.maxChannels, count: 4...4),
      .optional("the backbone's")),
    AttributeSpec(
      "backbone_depths", .intList(0...1024, count: 4...4), .optional("the backbone's")),
    .channels("in_channels", .value(.int(3))),
    .flag("pretrained", false, only: false, note: "pass the trained state_dict instead"),
  ]

  static let uperNetParameters: [ParameterEntry] = [
    .child(
      "backbone.", module: "ConvNeXt",
      note: "`downsample_layers.0.0` Conv2d 4×4 s4 stem, `.0.1` BatchNorm2d, "
        + "`downsample_layers.i` Transitions, `stages.i.j` Blocks; `norm`, `head` ignored"),
    .child("PPN.", module: "PSPModule"), .child("FPN.", module: "FPN_fuse"),
    .child("out_conv1.", module: "BiDenseConv2d", note: "3×3 p1, to features / 2"),
    .child("out_conv2.0.", module: "BiDenseConv2d", note: "3×3 p1"),
  ]

  static let uperNetDepth = ModuleDefinition(
    "BiDenseUperNetDepthModel",
    "BiDense UperNet for depth: ConvNeXt, PSP, FPN, then max_depth · sigmoid of a 1×1 head",
    source: ModuleBuilder.uperNetFile,
    attributes: [.maxDepth] + uperNetAttributes,
    parameters: uperNetParameters + ParameterEntry.depthHead("out_conv2.2.")
  ) { b, call in try b.uperNetDepth(call.path, call.attributes, call.input) }

  static let uperNetSegmentation = ModuleDefinition(
    "BiDenseUperNetSegmentationModel",
    "BiDense UperNet for segmentation: the same trunk, a 1×1 head to the classes",
    source: ModuleBuilder.uperNetFile,
    attributes: [.channels("num_classes")] + uperNetAttributes,
    parameters: uperNetParameters + ParameterEntry.segmentationHead("out_conv2.2.")
  ) { b, call in try b.uperNetSegmentation(call.path, call.attributes, call.input) }
}
