import BiDenseIR

/// Builds primitive-op graphs for PyTorch modules, taking each parameter by its state_dict
/// name: `path` is the module's attribute path (`stages.0.1`), "" for the root module.
public struct ModuleBuilder {
  public var graph: GraphBuilder
  public var weights: WeightStore

  public init(name: String, weights: WeightStore, limits: WorkLimits = .default) {
    graph = GraphBuilder(name: name, limits: limits)
    self.weights = weights
  }

  /// The state_dict name of parameter `name` of the module at `path`.
  func parameter(_ path: String, _ name: String) -> String {
    path.isEmpty ? name : "\(path).\(name)"
  }

  /// The name of the primitive node for `role` inside the module at `path`.
  func node(_ path: String, _ role: String) -> String {
    path.isEmpty ? role : "\(path)/\(role)"
  }

  /// Joins a child attribute to a module path.
  func child(_ path: String, _ attribute: String) -> String {
    path.isEmpty ? attribute : "\(path).\(attribute)"
  }

  /// A per-channel vector stored as [C] or [1, C, 1, 1].
  mutating func vector(_ path: String, _ name: String, _ count: Int) throws -> [Float] {
    try weights.take(parameter(path, name), shape: [count], node: path.isEmpty ? name : path)
  }

  mutating func binarizer(_ path: String, _ x: ValueID) throws -> ValueID {
    let c = graph.shape(x).channels
    let p = child(path, "binarizer")
    let params = Binarizer(
      alpha: try vector(p, "alpha", c), k: try vector(p, "k", c), b: try vector(p, "b", c))
    return try graph.binarize(node(path, "binarizer"), x, params)
  }

  mutating func batchNorm(_ path: String, _ x: ValueID, epsilon: Float = 1e-5) throws -> ValueID {
    let c = graph.shape(x).channels
    let bn = BatchNorm(
      weight: try vector(path, "weight", c), bias: try vector(path, "bias", c),
      runningMean: try vector(path, "running_mean", c),
      runningVar: try vector(path, "running_var", c), epsilon: epsilon)
    return try graph.batchNorm(path.isEmpty ? "norm" : path, x, bn)
  }

  /// A convolution module at `path` on `x`, checked before anything is read or allocated:
  /// geometry, groups, weight count, the input's channels and the output size. No weights yet.
  func convolutionGeometry(
    _ path: String, _ args: ConvolutionArguments, transposed: Bool, on x: ValueID
  ) throws -> (Convolution, output: TensorShape) {
    let conv = Convolution(
      inChannels: args.inChannels, outChannels: args.outChannels, window: args.window,
      groups: args.groups, transposed: transposed, weight: [], bias: nil)
    let name = path.isEmpty ? "conv" : path
    try graph.validateGeometry(conv, node: name)
    let input = graph.shape(x)
    guard input.channels == conv.inChannels else {
      throw BiDenseError(
        node: name,
        "input has \(input.channels) channels but the convolution expects \(conv.inChannels)")
    }
    return (conv, try graph.convolutionOutput(name, input, conv))
  }

  /// Reads the weight (and bias) of the checked convolution `conv` at `path`.
  mutating func readWeights(_ path: String, _ conv: inout Convolution, bias: Bool) throws {
    let name = path.isEmpty ? "conv" : path
    conv.weight = try weights.take(
      parameter(path, "weight"), shape: conv.weightShape, node: name)
    if bias {
      conv.bias = try vector(path, "bias", conv.outChannels)
    }
  }

  /// BiDenseConv2d / BiDenseConvTranspose2d: BN(conv_b(dab(x))) + (bypass ? CFB(x) : 0).
  public mutating func biDenseConv(
    _ path: String, _ args: ConvolutionArguments, transposed: Bool, _ x: ValueID
  ) throws -> ValueID {
    let convPath = child(path, transposed ? "conv_transpose" : "conv")
    var (conv, output) = try convolutionGeometry(convPath, args, transposed: transposed, on: x)
    if args.bypass {
      // Check the bypass before building, so the error names the real cause.
      let name = path.isEmpty ? "bypass" : path
      _ = try ChannelBypassPlan(
        inChannels: args.inChannels, outChannels: args.outChannels, node: name)
      let input = graph.shape(x)
      let bypass = TensorShape(
        channels: args.outChannels, height: input.height, width: input.width)
      guard bypass == output else {
        throw BiDenseError(
          node: name,
          "the bypass of \(input) gives \(bypass) but the convolution gives \(output); a "
            + "bypass needs an unchanged spatial size")
      }
    }
    try readWeights(convPath, &conv, bias: args.bias)
    let dab = try binarizer(path, x)
    let y = try graph.convolution(convPath, dab, conv, binary: true)
    let normalized = try batchNorm(child(path, "norm"), y)
    guard args.bypass else { return normalized }
    let bypass = try graph.channelBypass(node(path, "bypass"), x, outChannels: args.outChannels)
    return try graph.add(node(path, "add"), normalized, bypass)
  }
}

/// The constructor arguments of a convolution module, with PyTorch's defaults.
public struct ConvolutionArguments: Sendable {
  public var inChannels: Int
  public var outChannels: Int
  public var window: Window
  public var groups = 1
  public var bias = false
  public var bypass = true

  public init(
    inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
    dilation: Int = 1, groups: Int = 1, bias: Bool = false, bypass: Bool = true
  ) {
    self.inChannels = inChannels
    self.outChannels = outChannels
    self.window = Window(
      kernel: (kernel, kernel), stride: (stride, stride), padding: (padding, padding),
      dilation: (dilation, dilation))
    self.groups = groups
    self.bias = bias
    self.bypass = bypass
  }

  /// The checked attributes of a convolution module (BiDenseConv2d, its transpose, Conv2d).
  init(_ a: Attributes) throws {
    inChannels = try a.int("in_channels")
    outChannels = try a.int("out_channels")
    window = Window(
      kernel: try a.pair("kernel_size"), stride: try a.pair("stride"),
      padding: try a.pair("padding"), dilation: try a.pair("dilation"))
    groups = try a.int("groups")
    bias = try a.bool("bias")
    bypass = a.has("bypass") ? try a.bool("bypass") : true
  }
}

extension ModuleTable {
  /// The arguments of PyTorch's convolutions, as BiDenseConv2d takes them.
  static func convolutionAttributes(kernel: AttributeDefault, bias: Bool, bypass: Bool)
    -> [AttributeSpec]
  {
    [
      .channels("in_channels"), .channels("out_channels"),
      .window("kernel_size", from: 1, kernel), .window("stride", from: 1, .value(.int(1))),
      .window("padding", from: 0, .value(.int(0))), .window("dilation", from: 1, .value(.int(1))),
      AttributeSpec(
        "groups", .int(1...Limits.maxChannels), .value(.int(1)),
        note: "dividing both channel counts"),
      .flag("bias", bias),
    ] + (bypass ? [.flag("bypass", true, note: "adds the channel-adaptive bypass of x")] : [])
  }

  static let biDenseParameters: [ParameterEntry] = [
    .tensors(["binarizer.alpha", "binarizer.k", "binarizer.b"], shape: "[C_in]")
  ]
  static let normParameters: [ParameterEntry] = [
    .tensors(
      ["norm.weight", "norm.bias", "norm.running_mean", "norm.running_var"], shape: "[C_out]")
  ]

  static let biDenseConv2d = ModuleDefinition(
    "BiDenseConv2d", "BN(binary conv(DAB(x))) + channel-adaptive bypass of x",
    source: ModuleBuilder.bidenseFile,
    attributes: convolutionAttributes(kernel: .value(.int(3)), bias: false, bypass: true),
    parameters: biDenseParameters + [
      .tensors(["conv.weight"], shape: "[C_out, C_in/groups, kh, kw]"),
      .tensors(["conv.bias"], shape: "[C_out]", when: "with bias"),
    ] + normParameters
  ) { b, call in
    try b.biDenseConv(
      call.path, try ConvolutionArguments(call.attributes), transposed: false, call.input)
  }

  static let biDenseConvTranspose2d = ModuleDefinition(
    "BiDenseConvTranspose2d",
    "BN(binary transposed conv(DAB(x))) + channel-adaptive bypass of x",
    source: ModuleBuilder.bidenseFile,
    attributes: convolutionAttributes(kernel: .value(.int(3)), bias: false, bypass: true),
    parameters: biDenseParameters + [
      .tensors(["conv_transpose.weight"], shape: "[C_in, C_out/groups, kh, kw]"),
      .tensors(["conv_transpose.bias"], shape: "[C_out]", when: "with bias"),
    ] + normParameters
  ) { b, call in
    try b.biDenseConv(
      call.path, try ConvolutionArguments(call.attributes), transposed: true, call.input)
  }
}
