import BiDenseIR

/// UperNet on the BiDense ConvNeXt (`models/upernet/bidense_upernet.py`): PSPModule, FPN_fuse
/// and the depth and segmentation models.
extension ModuleBuilder {
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
        node: path, "FPN_fuse needs one feature per channel count and channels[0] == fpn_out")
    }
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
  mutating func uperNetTrunk(_ path: String, _ c: Constructor, features: Int, _ x: ValueID)
    throws -> ValueID
  {
    let backbone = try c.string("backbone", "convnext_tiny")
    guard var (depths, dims) = Self.convNeXtVariants[backbone] else {
      throw BiDenseError(
        "unknown backbone '\(printable(backbone))' (known: "
          + Self.convNeXtVariants.keys.sorted().joined(separator: ", ") + ")")
    }
    depths = try c.ints("backbone_depths", depths)
    dims = try c.ints("backbone_dims", dims)
    if try c.bool("pretrained", false) {
      throw BiDenseError("pretrained=True downloads weights; pass the trained state_dict instead")
    }
    let input = graph.shape(x)
    var stages = try convNeXt(
      child(path, "backbone"), inChannels: try c.int("in_channels", 3), depths: depths, dims: dims,
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

  static let uperNetArguments: Set<String> = [
    "features", "backbone", "in_channels", "pretrained", "backbone_dims", "backbone_depths",
  ]

  /// BiDenseUperNetDepthModel: head BiDenseConv 3×3 → ReLU → Conv 1×1 → Sigmoid, × max_depth.
  mutating func uperNetDepth(_ path: String, _ json: JSON, _ x: ValueID) throws -> ValueID {
    let c = try Constructor(
      json, module: "BiDenseUperNetDepthModel", accepts: Self.uperNetArguments.union(["max_depth"]))
    let features = try c.int("features", 256)
    let maxDepth = try c.double("max_depth")
    var y = try uperNetTrunk(path, c, features: features, x)
    let head = child(path, "out_conv2")
    y = try biDenseConv(
      child(head, "0"),
      ConvolutionArguments(inChannels: features / 2, outChannels: 32, kernel: 3, padding: 1),
      transposed: false, y)
    y = graph.unary(node(head, "1"), y, .relu)
    y = try floatConv(
      child(head, "2"), ConvolutionArguments(inChannels: 32, outChannels: 1, kernel: 1, bias: true),
      y)
    y = graph.unary(node(head, "3"), y, .sigmoid)
    return graph.unary(node(path, "max_depth"), y, .multiply(Float(maxDepth)))
  }

  /// BiDenseUperNetSegmentationModel: head BiDenseConv 3×3 → ReLU → Conv 1×1 to the classes.
  mutating func uperNetSegmentation(_ path: String, _ json: JSON, _ x: ValueID) throws -> ValueID {
    let c = try Constructor(
      json, module: "BiDenseUperNetSegmentationModel",
      accepts: Self.uperNetArguments.union(["num_classes"]))
    let features = try c.int("features", 256)
    let classes = try c.int("num_classes")
    var y = try uperNetTrunk(path, c, features: features, x)
    let head = child(path, "out_conv2")
    y = try biDenseConv(
      child(head, "0"),
      ConvolutionArguments(
        inChannels: features / 2, outChannels: features / 2, kernel: 3, padding: 1),
      transposed: false, y)
    y = graph.unary(node(head, "1"), y, .relu)
    return try floatConv(
      child(head, "2"),
      ConvolutionArguments(inChannels: features / 2, outChannels: classes, kernel: 1, bias: true), y
    )
  }
}
