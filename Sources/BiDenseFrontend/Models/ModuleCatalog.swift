import BiDenseIR

/// Every module a model spec or a native graph can name, by its PyTorch class name.
extension ModuleBuilder {
  static let primitiveOps: Set<String> = [
    "LearnableBias", "PReLU", "ReLU", "Sigmoid", "Multiply", "Identity", "Dropout", "Dropout2d",
    "Add", "Concat", "AvgPool2d", "AdaptiveAvgPool2d", "Interpolate", "Conv2d", "BatchNorm2d",
  ]

  /// Builds the module class `module` at `path` on `inputs`; returns its output.
  public mutating func module(
    _ module: String, path: String, constructor json: JSON, inputs: [ValueID]
  ) throws -> ValueID {
    func one() throws -> ValueID {
      guard inputs.count == 1 else {
        throw BiDenseError("\(module) takes one input, got \(inputs.count)")
      }
      return inputs[0]
    }
    func args(_ names: Set<String>) throws -> Constructor {
      try Constructor(json, module: module, accepts: names)
    }
    switch module {
    case "BiDenseConv2d", "BiDenseConvTranspose2d":
      return try biDenseConv(
        path, try ConvolutionArguments(json), transposed: module == "BiDenseConvTranspose2d",
        try one())
    case "Transition":
      let c = try args(["in_channels", "out_channels"])
      return try transition(
        path, inChannels: try c.int("in_channels"), outChannels: try c.int("out_channels"),
        try one())
    case "BiDenseDown":
      let c = try args(["in_channels", "out_channels"])
      return try biDenseDown(
        path, inChannels: try c.int("in_channels"), outChannels: try c.int("out_channels"),
        try one())
    case "BiDenseUp":
      let c = try args(["in_channels", "out_channels", "scale"])
      return try biDenseUp(
        path, inChannels: try c.int("in_channels"), outChannels: try c.int("out_channels"),
        scale: try c.int("scale", 2), try one())
    case "Block":
      let c = try args(["dim", "drop_path"])
      return try convNeXtBlock(path, dim: try c.int("dim"), try one())
    case "PSPModule":
      let c = try args(["in_channels", "out_channel", "bin_sizes"])
      let inChannels = try c.int("in_channels")
      if let out = c.json["out_channel"], try out.int() != inChannels {
        throw BiDenseError("PSPModule with out_channel != in_channels is not supported")
      }
      return try psp(
        path, inChannels: inChannels, binSizes: try c.ints("bin_sizes", [1, 2, 4, 6]), try one())
    case "FPN_fuse":
      let c = try args(["feature_channels", "fpn_out"])
      let channels = try c.ints("feature_channels", [256, 512, 1024, 2048])
      return try fpnFuse(path, channels: channels, fpnOut: try c.int("fpn_out", 256), inputs)
    case "BiDenseUperNetDepthModel":
      return try uperNetDepth(path, json, try one())
    case "BiDenseUperNetSegmentationModel":
      return try uperNetSegmentation(path, json, try one())
    case "ResidualConvUnit":
      let c = try args(["features"])
      return try residualConvUnit(path, features: try c.int("features"), try one())
    case "FeatureFusionBlock":
      let c = try args(["features"])
      return try featureFusionBlock(path, features: try c.int("features"), inputs)
    case _ where Self.primitiveOps.contains(module):
      return try primitive(
        module, path: path, try Constructor(json, module: module, accepts: Set(json.keys)), inputs)
    default:
      throw BiDenseError("unknown module '\(printable(module))'")
    }
  }
}
