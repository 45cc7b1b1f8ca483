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
