import BiDenseIR

/// Builds primitive-op graphs for PyTorch modules, taking each parameter by its state_dict
/// name: `path` is the module's attribute path (`stages.0.1`), "" for the root module.
public struct ModuleBuilder {
  public var graph: GraphBuilder
  public var weights: WeightStore

  public init(name: String, weights: WeightStore) {
    graph = GraphBuilder(name: name)
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

  /// The weight (and bias) of a convolution module at `path`.
  mutating func convolution(_ path: String, _ args: ConvolutionArguments, transposed: Bool) throws
    -> Convolution
  {
    var conv = Convolution(
      inChannels: args.inChannels, outChannels: args.outChannels, window: args.window,
      groups: args.groups, transposed: transposed, weight: [], bias: nil)
    let name = path.isEmpty ? "conv" : path
    try GraphBuilder.validate(
      Convolution(
        inChannels: conv.inChannels, outChannels: conv.outChannels, window: conv.window,
        groups: conv.groups, transposed: transposed,
        weight: [Float](repeating: 0, count: conv.weightShape.reduce(1, *)), bias: nil),
      node: name)
    conv.weight = try weights.take(
      parameter(path, "weight"), shape: conv.weightShape, node: name)
    if args.bias {
      conv.bias = try vector(path, "bias", args.outChannels)
    }
    return conv
  }

  /// BiDenseConv2d / BiDenseConvTranspose2d: BN(conv_b(dab(x))) + (bypass ? CFB(x) : 0).
  public mutating func biDenseConv(
    _ path: String, _ args: ConvolutionArguments, transposed: Bool, _ x: ValueID
  ) throws -> ValueID {
    let convPath = child(path, transposed ? "conv_transpose" : "conv")
    let conv = try convolution(convPath, args, transposed: transposed)
    if args.bypass {
      // Check the bypass before building, so the error names the real cause.
      _ = try ChannelBypassPlan(
        inChannels: args.inChannels, outChannels: args.outChannels,
        node: path.isEmpty ? "bypass" : path)
    }
    let dab = try binarizer(path, x)
    let y = try graph.convolution(convPath, dab, conv, binary: true)
    let normalized = try batchNorm(child(path, "norm"), y)
    guard args.bypass else { return normalized }
    let bypass = try graph.channelBypass(node(path, "bypass"), x, outChannels: args.outChannels)
    guard graph.shape(bypass) == graph.shape(normalized) else {
      throw BiDenseError(
        node: path.isEmpty ? "bypass" : path,
        "the bypass of \(graph.shape(x)) gives \(graph.shape(bypass)) but the convolution "
          + "gives \(graph.shape(normalized)); a bypass needs an unchanged spatial size")
    }
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

  /// Reads `in_channels`, `out_channels`, `kernel_size`, `stride`, `padding`, `dilation`
  /// (each an int or a pair), `groups`, `bias` and `bypass`; any other key is an error.
  /// `defaultKernel` nil makes `kernel_size` required (nn.Conv2d has no default).
  public init(_ json: JSON, defaultKernel: Int? = 3) throws {
    let c = try Constructor(
      json, module: "the convolution",
      accepts: [
        "in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups",
        "bias", "bypass",
      ])
    inChannels = try c.int("in_channels")
    outChannels = try c.int("out_channels")
    window = Window(
      kernel: try c.pair("kernel_size", defaultKernel.map { ($0, $0) }),
      stride: try c.pair("stride", (1, 1)), padding: try c.pair("padding", (0, 0)),
      dilation: try c.pair("dilation", (1, 1)))
    groups = try json["groups"]?.int() ?? 1
    bias = try json["bias"]?.bool() ?? false
    bypass = try json["bypass"]?.bool() ?? true
  }
}
