import BiDenseIR

/// The single-op modules: elementwise ops, pooling, interpolation, float convolution and
/// BatchNorm, as a native graph names them.
extension ModuleBuilder {
  mutating func learnableBias(_ path: String, _ x: ValueID) throws -> ValueID {
    try graph.learnableBias(path, x, try vector(path, "bias", graph.shape(x).channels))
  }

  /// PReLU with one weight per channel, or one shared by all (`nn.PReLU()`), as stored.
  mutating func prelu(_ path: String, _ x: ValueID, count wanted: Int? = nil) throws -> ValueID {
    let channels = graph.shape(x).channels
    let name = parameter(path, "weight")
    let count = wanted ?? (weights.tensors[name]?.values.count == 1 ? 1 : channels)
    return try graph.prelu(path, x, try weights.take(name, shape: [count], node: path))
  }

  /// nn.Conv2d with float weights (bias by default, as in PyTorch).
  mutating func floatConv(_ path: String, _ args: ConvolutionArguments, _ x: ValueID) throws
    -> ValueID
  {
    var (conv, _) = try convolutionGeometry(path, args, transposed: false, on: x)
    try readWeights(path, &conv, bias: args.bias)
    return try graph.convolution(path, x, conv, binary: false)
  }

  /// Add of two or more inputs, left to right.
  mutating func sum(_ path: String, _ inputs: [ValueID]) throws -> ValueID {
    var sum = inputs[0]
    for (i, term) in inputs.dropFirst().enumerated() {
      sum = try graph.add(i == 0 ? path : "\(path)/\(i)", sum, term)
    }
    return sum
  }

  /// AvgPool2d with count_include_pad=True and ceil_mode=False (the table admits no other).
  mutating func avgPool(_ path: String, _ a: Attributes, _ x: ValueID) throws -> ValueID {
    let kernel = try a.pair("kernel_size")
    let window = Window(
      kernel: kernel, stride: try a.optionalPair("stride") ?? kernel,
      padding: try a.pair("padding"))
    return try graph.avgPool(path, x, window)
  }

  /// F.interpolate: mode "bilinear" (align_corners=True) or "nearest", to `size` or by an
  /// integer `scale_factor`.
  mutating func interpolate(_ path: String, _ a: Attributes, _ x: ValueID) throws -> ValueID {
    let shape = graph.shape(x)
    let mode = try a.string("mode")
    let size = try a.optionalPair("size")
    var scale: Int?
    if let value = try a.optionalDouble("scale_factor") {
      guard value.rounded() == value else {
        throw BiDenseError(
          "\(a.place("scale_factor")) is \(value), not a whole number: Interpolate scales by "
            + "whole factors only")
      }
      scale = Int(value)
    }
    guard (size == nil) != (scale == nil) else {
      throw BiDenseError("Interpolate needs exactly one of 'size' and 'scale_factor'")
    }
    let h: Int
    let w: Int
    if let size {
      (h, w) = size
    } else {
      guard let sh = Checked.multiply(shape.height, scale!),
        let sw = Checked.multiply(shape.width, scale!)
      else {
        throw BiDenseError("scaling \(shape) by \(scale!) is too large")
      }
      (h, w) = (sh, sw)
    }
    switch mode {
    case "bilinear":
      guard try a.bool("align_corners") else {
        throw BiDenseError("bilinear interpolation is supported with align_corners=True only")
      }
      return try graph.resizeBilinear(path, x, height: h, width: w)
    default:
      guard
        let factor = scale
          ?? (h % shape.height == 0 && w % shape.width == 0 && h / shape.height == w / shape.width
            ? h / shape.height : nil)
      else {
        throw BiDenseError(
          "nearest interpolation of \(shape) to \(h)x\(w) is not by a whole, equal scale, the "
            + "only kind supported")
      }
      return try graph.upsampleNearest(path, x, scale: factor)
    }
  }
}

extension ModuleTable {
  static let learnableBias = ModuleDefinition(
    "LearnableBias", "x + bias per channel",
    source: ModuleBuilder.bidenseFile,
    attributes: [
      .channels("out_chn", .optional("the input's channels"))
    ],
    parameters: [.tensors(["bias"], shape: "[1, C, 1, 1]")]
  ) { b, call in
    try b.requireChannels(call, "out_chn")
    return try b.learnableBias(call.path, call.input)
  }

  static let prelu = ModuleDefinition(
    "PReLU", "x ≥ 0 ? x : weight · x, per channel or shared",
    attributes: [
      .channels("num_parameters", .optional("as stored: 1 or the input's channels")),
      AttributeSpec(
        "init", .float(minimum: nil, exclusive: false, maximum: nil), .value(.float(0.25)),
        note: "the stored weight is used"),
    ],
    parameters: [.tensors(["weight"], shape: "[C] or [1]")]
  ) { b, call in
    let channels = b.graph.shape(call.input).channels
    let count = try call.attributes.optionalInt("num_parameters")
    if let count, count != 1, count != channels {
      throw BiDenseError(
        "\(call.attributes.place("num_parameters")) is \(count), but PReLU on \(channels) "
          + "channels takes 1 or \(channels)")
    }
    return try b.prelu(call.path, call.input, count: count)
  }

  static let relu = ModuleDefinition(
    "ReLU", "max(x, 0)", attributes: [.flag("inplace", false, note: "no effect")]
  ) { b, call in try b.graph.unary(call.path, call.input, .relu) }

  static let sigmoid = ModuleDefinition("Sigmoid", "1 / (1 + exp(−x))") { b, call in
    try b.graph.unary(call.path, call.input, .sigmoid)
  }

  static let multiply = ModuleDefinition(
    "Multiply", "x · value (the depth heads' max_depth)",
    attributes: [
      AttributeSpec("value", .float(minimum: nil, exclusive: false, maximum: nil), .required)
    ]
  ) { b, call in
    try b.graph.unary(call.path, call.input, .multiply(Float(try call.attributes.double("value"))))
  }

  static let identity = ModuleDefinition("Identity", "x") { _, call in call.input }

  static let dropoutAttributes: [AttributeSpec] = [
    AttributeSpec(
      "p", .float(minimum: 0, exclusive: false, maximum: 1), .value(.float(0.5)),
      note: "no effect in eval"),
    .flag("inplace", false, note: "no effect"),
  ]

  static let dropout = ModuleDefinition(
    "Dropout", "x (the identity in eval)", attributes: dropoutAttributes
  ) { _, call in call.input }

  static let dropout2d = ModuleDefinition(
    "Dropout2d", "x (the identity in eval)", attributes: dropoutAttributes
  ) { _, call in call.input }

  static let add = ModuleDefinition("Add", "the sum of the inputs", arity: .atLeast(2)) {
    b, call in try b.sum(call.path, call.inputs)
  }

  static let concat = ModuleDefinition(
    "Concat", "the inputs joined along channels, in order", arity: .atLeast(1),
    attributes: [AttributeSpec("dim", .int(1...1), .value(.int(1)), note: "channels")]
  ) { b, call in try b.graph.concat(call.path, call.inputs) }

  static let avgPool2d = ModuleDefinition(
    "AvgPool2d", "average pooling, zero padding counted, floor mode",
    attributes: [
      .window("kernel_size", from: 1, .required),
      .window("stride", from: 1, .optional("= kernel_size")),
      .window("padding", from: 0, .value(.int(0))),
      .flag("ceil_mode", false, only: false), .flag("count_include_pad", true, only: true),
    ]
  ) { b, call in try b.avgPool(call.path, call.attributes, call.input) }

  static let adaptiveAvgPool2d = ModuleDefinition(
    "AdaptiveAvgPool2d", "average pooling to a fixed output size",
    attributes: [.window("output_size", from: 1, .required)]
  ) { b, call in
    let (h, w) = try call.attributes.pair("output_size")
    return try b.graph.adaptiveAvgPool(call.path, call.input, height: h, width: w)
  }

  static let interpolate = ModuleDefinition(
    "Interpolate", "F.interpolate: bilinear with align_corners, or nearest by a whole scale",
    attributes: [
      AttributeSpec("mode", .string(["nearest", "bilinear"]), .value(.string("nearest"))),
      .window("size", from: 1, .optional("give size or scale_factor")),
      AttributeSpec(
        "scale_factor", .float(minimum: 1, exclusive: false, maximum: Double(Limits.maxExtent)),
        .optional("a whole number; give size or scale_factor")),
      .flag("align_corners", false, note: "true for bilinear"),
    ]
  ) { b, call in try b.interpolate(call.path, call.attributes, call.input) }

  static let resize = ModuleDefinition(
    "Resize",
    "torchvision's resize to [h, w]: bilinear with an antialiasing filter (align_corners=False); "
      + "the same size is the identity",
    attributes: [
      AttributeSpec("size", .intList(1...Limits.maxExtent, count: 2...2), .required),
      AttributeSpec("interpolation", .string(["bilinear"]), .value(.string("bilinear"))),
      .flag("antialias", true, only: true),
    ]
  ) { b, call in
    let size = try call.attributes.ints("size")
    return try b.graph.resizeAntialiased(
      call.path.isEmpty ? "resize" : call.path, call.input, height: size[0], width: size[1])
  }

  static let conv2d = ModuleDefinition(
    "Conv2d", "float convolution (the ConvNeXt stem, the 1×1 heads)",
    attributes: convolutionAttributes(kernel: .required, bias: true, bypass: false),
    parameters: [
      .tensors(["weight"], shape: "[C_out, C_in/groups, kh, kw]"),
      .tensors(["bias"], shape: "[C_out]", when: "with bias"),
    ]
  ) { b, call in
    try b.floatConv(call.path, try ConvolutionArguments(call.attributes), call.input)
  }

  static let batchNorm2d = ModuleDefinition(
    "BatchNorm2d", "(x − running_mean) / sqrt(running_var + eps) · weight + bias",
    attributes: [
      .channels("num_features", .optional("the input's channels")),
      AttributeSpec("eps", .float(minimum: 0, exclusive: true, maximum: 1), .value(.float(1e-5))),
      AttributeSpec(
        "momentum", .float(minimum: 0, exclusive: false, maximum: 1), .value(.float(0.1)),
        note: "no effect in eval"),
    ],
    parameters: [.tensors(["weight", "bias", "running_mean", "running_var"], shape: "[C]")]
  ) { b, call in
    try b.requireChannels(call, "num_features")
    return try b.batchNorm(
      call.path, call.input, epsilon: Float(try call.attributes.double("eps")))
  }
}

extension ModuleBuilder {
  /// An optional channel-count attribute (`num_features`, `out_chn`) must match the input.
  func requireChannels(_ call: ModuleCall, _ name: String) throws {
    let channels = graph.shape(call.input).channels
    if let given = try call.attributes.optionalInt(name), given != channels {
      throw BiDenseError(
        "\(call.attributes.place(name)) is \(given), but the input has \(channels) channels")
    }
  }
}
