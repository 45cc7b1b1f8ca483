import BiDenseIR

/// The BiDense ConvNeXt backbone (`models/upernet/backbones/bidense_convnext.py`).
extension ModuleBuilder {
  static let convNeXtFile = "models/upernet/backbones/bidense_convnext.py"

  /// The named ConvNeXt variants of `get_convnext`: depths and dims.
  static let convNeXtVariants: [String: (depths: [Int], dims: [Int])] = [
    "convnext_tiny": ([3, 3, 9, 3], [96, 192, 384, 768]),
    "convnext_small": ([3, 3, 27, 3], [96, 192, 384, 768]),
    "convnext_base_1k": ([3, 3, 27, 3], [128, 256, 512, 1024]),
    "convnext_base_22k": ([3, 3, 27, 3], [128, 256, 512, 1024]),
    "convnext_large_1k": ([3, 3, 27, 3], [192, 384, 768, 1536]),
    "convnext_large_22k": ([3, 3, 27, 3], [192, 384, 768, 1536]),
    "convnext_xlarge_22k": ([3, 3, 27, 3], [256, 512, 1024, 2048]),
  ]

  /// Block: dw 7×7 BiDense → pw 1×1 up ×4 → LearnableBias → PReLU → pw 1×1 down; no residual.
  mutating func convNeXtBlock(_ path: String, dim: Int, _ x: ValueID) throws -> ValueID {
    try requireConvBypass(child(path, "pwconv2"), 4 * dim, dim)
    var y = try biDenseConv(
      child(path, "dwconv"),
      ConvolutionArguments(inChannels: dim, outChannels: dim, kernel: 7, padding: 3, groups: dim),
      transposed: false, x)
    y = try biDenseConv(
      child(path, "pwconv1"),
      ConvolutionArguments(inChannels: dim, outChannels: 4 * dim, kernel: 1),
      transposed: false, y)
    y = try learnableBias(child(path, "move"), y)
    y = try prelu(child(path, "act"), y)
    return try biDenseConv(
      child(path, "pwconv2"),
      ConvolutionArguments(inChannels: 4 * dim, outChannels: dim, kernel: 1),
      transposed: false, y)
  }

  /// ConvNeXt: a float 4×4 stride-4 stem with BatchNorm, then per stage a Transition (after
  /// the first) and `depths[i]` Blocks. Returns the four stage outputs.
  mutating func convNeXt(_ path: String, inChannels: Int, depths: [Int], dims: [Int], _ x: ValueID)
    throws -> [ValueID]
  {
    guard depths.count == 4, dims.count == 4, dims.allSatisfy({ $0 > 0 }),
      depths.allSatisfy({ $0 >= 0 }), inChannels > 0
    else {
      throw BiDenseError(
        node: path, "ConvNeXt needs 4 positive dims and 4 depths, got dims \(dims) depths \(depths)"
      )
    }
    var features: [ValueID] = []
    var y = x
    for stage in 0..<4 {
      let down = child(child(path, "downsample_layers"), "\(stage)")
      if stage == 0 {
        y = try floatConv(
          child(down, "0"),
          ConvolutionArguments(
            inChannels: inChannels, outChannels: dims[0], kernel: 4, stride: 4, bias: true), y)
        y = try batchNorm(child(down, "1"), y)
      } else {
        y = try transition(down, inChannels: dims[stage - 1], outChannels: dims[stage], y)
      }
      for block in 0..<depths[stage] {
        y = try convNeXtBlock(
          child(child(path, "stages"), "\(stage).\(block)"), dim: dims[stage], y)
      }
      features.append(y)
    }
    // The classification norm and head exist in the module but not in the feature path.
    for name in ["norm.weight", "norm.bias", "head.weight", "head.bias"] {
      weights.acknowledge(parameter(path, name))
    }
    return features
  }
}

extension ModuleBuilder {
  /// The bypass of the BiDense convolution at `path` exists (merge != 1); the error names the
  /// node as the convolution's own check would.
  func requireConvBypass(_ path: String, _ inChannels: Int, _ outChannels: Int) throws {
    _ = try ChannelBypassPlan(
      inChannels: inChannels, outChannels: outChannels, node: path.isEmpty ? "bypass" : path)
  }
}

extension ModuleTable {
  static let convNeXtBlock = ModuleDefinition(
    "Block",
    "ConvNeXt block: dw 7×7 → pw ×4 → LearnableBias → PReLU → pw back; no residual",
    source: ModuleBuilder.convNeXtFile,
    attributes: [
      .channels("dim"),
      AttributeSpec(
        "drop_path", .float(minimum: 0, exclusive: false, maximum: 1), .value(.float(0)),
        note: "no effect in eval"),
    ],
    parameters: [
      .child("dwconv.", module: "BiDenseConv2d", note: "7×7, groups = dim"),
      .child("pwconv1.", module: "BiDenseConv2d", note: "1×1, dim → 4·dim"),
      .tensors(["move.bias"], shape: "[1, 4·dim, 1, 1]"),
      .tensors(["act.weight"], shape: "[4·dim]"),
      .child("pwconv2.", module: "BiDenseConv2d", note: "1×1, 4·dim → dim"),
    ]
  ) { b, call in
    try b.convNeXtBlock(call.path, dim: try call.attributes.int("dim"), call.input)
  }
}
