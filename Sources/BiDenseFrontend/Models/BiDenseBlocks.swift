import BiDenseIR

/// The BiDense blocks that change resolution: Transition (ConvNeXt downsampling), BiDenseDown
/// and BiDenseUp (DPT reassembly). Each adds the bypass of a pooled or upsampled input.
extension ModuleBuilder {
  /// Transition: BiDenseConv2d(k2, s2, no bypass)(x) + CFB(AvgPool2d(2, 2)(x), out).
  mutating func transition(_ path: String, inChannels: Int, outChannels: Int, _ x: ValueID)
    throws -> ValueID
  {
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
