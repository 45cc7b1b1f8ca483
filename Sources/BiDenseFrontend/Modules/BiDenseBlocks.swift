import BiDenseIR

/// The BiDense blocks that change resolution: Transition (ConvNeXt downsampling), BiDenseDown
/// and BiDenseUp (DPT reassembly). Each adds the bypass of a pooled or upsampled input.
extension ModuleBuilder {
  /// Transition: BiDenseConv2d(k2, s2, no bypass)(x) + CFB(AvgPool2d(2, 2)(x), out).
  mutating func transition(_ path: String, inChannels: Int, outChannels: Int, _ x: ValueID)
    throws -> ValueID
  {
    try requireBypass(path, inChannels, outChannels)
    let conv = try biDenseConv(
      child(path, "conv"),
      ConvolutionArguments(
        inChannels: inChannels, outChannels: outChannels, kernel: 2, stride: 2, bypass: false),
      transposed: false, x)
    let pooled = try graph.avgPool(node(path, "avgpool"), x, Window(kernel: (2, 2), stride: (2, 2)))
    return try addBypass(path, conv, of: pooled, outChannels: outChannels)
  }

  /// BiDenseDown: BiDenseConv2d(k3, s2, p1, no bypass)(x) + CFB(AvgPool2d(3, 2, 1)(x), out).
  mutating func biDenseDown(_ path: String, inChannels: Int, outChannels: Int, _ x: ValueID)
    throws -> ValueID
  {
    try requireBypass(path, inChannels, outChannels)
    let conv = try biDenseConv(
      child(path, "conv"),
      ConvolutionArguments(
        inChannels: inChannels, outChannels: outChannels, kernel: 3, stride: 2, padding: 1,
        bypass: false),
      transposed: false, x)
    let pooled = try graph.avgPool(
      node(path, "avgpool"), x, Window(kernel: (3, 3), stride: (2, 2), padding: (1, 1)))
    return try addBypass(path, conv, of: pooled, outChannels: outChannels)
  }

  /// BiDenseUp: BiDenseConvTranspose2d(k = s = scale, no bypass)(x)
  /// + CFB(nearest_upsample(x, scale), out).
  mutating func biDenseUp(
    _ path: String, inChannels: Int, outChannels: Int, scale: Int, _ x: ValueID
  ) throws -> ValueID {
    try requireBypass(path, inChannels, outChannels)
    let conv = try biDenseConv(
      child(path, "conv"),
      ConvolutionArguments(
        inChannels: inChannels, outChannels: outChannels, kernel: scale, stride: scale,
        bypass: false),
      transposed: true, x)
    let upsampled = try graph.upsampleNearest(node(path, "upsample"), x, scale: scale)
    return try addBypass(path, conv, of: upsampled, outChannels: outChannels)
  }

  /// y + CFB(source, outChannels), with the shapes checked.
  mutating func addBypass(_ path: String, _ y: ValueID, of source: ValueID, outChannels: Int)
    throws -> ValueID
  {
    let bypass = try graph.channelBypass(node(path, "bypass"), source, outChannels: outChannels)
    return try graph.add(node(path, "add"), y, bypass)
  }
}

extension ModuleBuilder {
  /// The bypass from `inChannels` to `outChannels` exists (merge != 1), checked before a
  /// composite builds anything.
  func requireBypass(_ path: String, _ inChannels: Int, _ outChannels: Int) throws {
    _ = try ChannelBypassPlan(
      inChannels: inChannels, outChannels: outChannels, node: node(path, "bypass"))
  }
}

extension ModuleTable {
  static let channelPair: [AttributeSpec] = [.channels("in_channels"), .channels("out_channels")]

  static let transition = ModuleDefinition(
    "Transition", "ConvNeXt downsampling: BiDenseConv2d(k2, s2) + bypass of AvgPool2d(2, 2)",
    source: ModuleBuilder.convNeXtFile,
    attributes: channelPair,
    parameters: [.child("conv.", module: "BiDenseConv2d", note: "k2 s2, no bypass")]
  ) { b, call in
    let (i, o) = (try call.attributes.int("in_channels"), try call.attributes.int("out_channels"))
    return try b.transition(call.path, inChannels: i, outChannels: o, call.input)
  }

  static let biDenseDown = ModuleDefinition(
    "BiDenseDown", "BiDenseConv2d(k3, s2, p1) + bypass of AvgPool2d(3, 2, 1)",
    source: ModuleBuilder.dptFile,
    attributes: channelPair,
    parameters: [.child("conv.", module: "BiDenseConv2d", note: "k3 s2 p1, no bypass")]
  ) { b, call in
    let (i, o) = (try call.attributes.int("in_channels"), try call.attributes.int("out_channels"))
    return try b.biDenseDown(call.path, inChannels: i, outChannels: o, call.input)
  }

  static let biDenseUp = ModuleDefinition(
    "BiDenseUp", "BiDenseConvTranspose2d(k = s = scale) + bypass of nearest upsampling",
    source: ModuleBuilder.dptFile,
    attributes: channelPair + [
      AttributeSpec("scale", .int(1...Limits.maxExtent), .value(.int(2)))
    ],
    parameters: [
      .child("conv.", module: "BiDenseConvTranspose2d", note: "k = s = scale, no bypass")
    ]
  ) { b, call in
    let (i, o) = (try call.attributes.int("in_channels"), try call.attributes.int("out_channels"))
    return try b.biDenseUp(
      call.path, inChannels: i, outChannels: o, scale: try call.attributes.int("scale"),
      call.input)
  }
}
