import BiDenseIR

/// The heads both model families (UperNet and DPT) end in, under `head` (`out_conv2` or
/// `scratch.output_conv2`), after a trunk of `features / 2` channels.
extension ModuleBuilder {
  /// Depth: BiDenseConv 3×3 to 32 → ReLU → Conv 1×1 to one channel → Sigmoid, then
  /// × max_depth, a node of the model at `path`.
  mutating func depthHead(
    _ path: String, head: String, features: Int, maxDepth: Double, _ x: ValueID
  ) throws -> ValueID {
    var y = try biDenseConv(
      child(head, "0"),
      ConvolutionArguments(inChannels: features / 2, outChannels: 32, kernel: 3, padding: 1),
      transposed: false, x)
    y = try graph.unary(node(head, "1"), y, .relu)
    y = try floatConv(
      child(head, "2"), ConvolutionArguments(inChannels: 32, outChannels: 1, kernel: 1, bias: true),
      y)
    y = try graph.unary(node(head, "3"), y, .sigmoid)
    return try graph.unary(node(path, "max_depth"), y, .multiply(Float(maxDepth)))
  }

  /// Segmentation: BiDenseConv 3×3 → ReLU → Conv 1×1 to the classes.
  mutating func segmentationHead(head: String, features: Int, classes: Int, _ x: ValueID)
    throws -> ValueID
  {
    var y = try biDenseConv(
      child(head, "0"),
      ConvolutionArguments(
        inChannels: features / 2, outChannels: features / 2, kernel: 3, padding: 1),
      transposed: false, x)
    y = try graph.unary(node(head, "1"), y, .relu)
    return try floatConv(
      child(head, "2"),
      ConvolutionArguments(inChannels: features / 2, outChannels: classes, kernel: 1, bias: true), y
    )
  }
}
