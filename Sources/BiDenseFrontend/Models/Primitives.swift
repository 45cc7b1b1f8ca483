import BiDenseIR

/// The single-op modules: elementwise ops, pooling, interpolation, float convolution and
/// BatchNorm, as a native graph names them.
extension ModuleBuilder {
  mutating func learnableBias(_ path: String, _ x: ValueID) throws -> ValueID {
    try graph.learnableBias(path, x, try vector(path, "bias", graph.shape(x).channels))
  }

  mutating func prelu(_ path: String, _ x: ValueID) throws -> ValueID {
    let channels = graph.shape(x).channels
    let name = parameter(path, "weight")
    let count = weights.tensors[name]?.values.count == 1 ? 1 : channels
    return try graph.prelu(path, x, try weights.take(name, shape: [count], node: path))
  }

  /// nn.Conv2d with float weights (bias by default, as in PyTorch).
  mutating func floatConv(_ path: String, _ args: ConvolutionArguments, _ x: ValueID) throws
    -> ValueID
  {
    let conv = try convolution(path, args, transposed: false)
    return try graph.convolution(path, x, conv, binary: false)
  }

  /// A single-op module of a native graph: `op` with its attributes and inputs.
  mutating func primitive(_ op: String, path: String, _ c: Constructor, _ inputs: [ValueID]) throws
    -> ValueID
  {
    func one() throws -> ValueID {
      guard inputs.count == 1 else {
        throw BiDenseError("\(op) takes one input, got \(inputs.count)")
      }
      return inputs[0]
    }
    switch op {
    case "LearnableBias": return try learnableBias(path, try one())
    case "PReLU": return try prelu(path, try one())
    case "ReLU": return graph.unary(path, try one(), .relu)
    case "Sigmoid": return graph.unary(path, try one(), .sigmoid)
    case "Multiply": return graph.unary(path, try one(), .multiply(Float(try c.double("value"))))
    case "Identity", "Dropout", "Dropout2d": return try one()
    case "Add":
      guard inputs.count >= 2 else { throw BiDenseError("Add takes two or more inputs") }
      var sum = inputs[0]
      for (i, term) in inputs.dropFirst().enumerated() {
        sum = try graph.add(i == 0 ? path : "\(path)/\(i)", sum, term)
      }
      return sum
    case "Concat":
      guard try c.int("dim", 1) == 1 else {
        throw BiDenseError("Concat joins channels only (dim 1)")
      }
      return try graph.concat(path, inputs)
    case "AvgPool2d":
      let kernel = try c.pair("kernel_size", nil)
      guard try !c.bool("ceil_mode", false), try c.bool("count_include_pad", true) else {
        throw BiDenseError("AvgPool2d supports ceil_mode=False, count_include_pad=True only")
      }
      let window = Window(
        kernel: kernel, stride: try c.pair("stride", kernel), padding: try c.pair("padding", (0, 0))
      )
      return try graph.avgPool(path, try one(), window)
    case "AdaptiveAvgPool2d":
      let (h, w) = try c.pair("output_size", nil)
      return try graph.adaptiveAvgPool(path, try one(), height: h, width: w)
    case "Interpolate":
      return try interpolate(path, c, try one())
    case "Conv2d":
      var args = try ConvolutionArguments(c.json, defaultKernel: nil)
      args.bias = try c.bool("bias", true)
      return try floatConv(path, args, try one())
    case "BatchNorm2d":
      let x = try one()
      let channels = try c.int("num_features", graph.shape(x).channels)
      guard channels == graph.shape(x).channels else {
        throw BiDenseError("BatchNorm2d(\(channels)) on \(graph.shape(x).channels) channels")
      }
      return try batchNorm(path, x, epsilon: Float(try c.double("eps", 1e-5)))
    default:
      throw BiDenseError("unknown op '\(printable(op))'")
    }
  }

  /// F.interpolate: mode "bilinear" (align_corners=True) or "nearest", to `size` or by an
  /// integer `scale_factor`.
  mutating func interpolate(_ path: String, _ c: Constructor, _ x: ValueID) throws -> ValueID {
    let shape = graph.shape(x)
    let mode = try c.string("mode", "nearest")
    var size: (Int, Int)?
    var scale: Int?
    if c.json["size"] != nil { size = try c.pair("size", nil) }
    if let factor = c.json["scale_factor"] {
      let value = try factor.double()
      guard value.rounded() == value, value >= 1 else {
        throw BiDenseError("scale_factor \(value) is not a whole number of at least 1")
      }
      scale = Int(value)
    }
    guard (size == nil) != (scale == nil) else {
      throw BiDenseError("Interpolate needs exactly one of 'size' and 'scale_factor'")
    }
    let (h, w) = size ?? (shape.height * scale!, shape.width * scale!)
    switch mode {
    case "bilinear":
      guard try c.bool("align_corners", false) else {
        throw BiDenseError("bilinear interpolation is supported with align_corners=True only")
      }
      return try graph.resizeBilinear(path, x, height: h, width: w)
    case "nearest":
      guard
        let factor = scale
          ?? (h % shape.height == 0 && w % shape.width == 0 && h / shape.height == w / shape.width
            ? h / shape.height : nil)
      else {
        throw BiDenseError("nearest interpolation is supported by a whole, equal scale only")
      }
      return try graph.upsampleNearest(path, x, scale: factor)
    default:
      throw BiDenseError("interpolation mode '\(printable(mode))' is not supported")
    }
  }
}
