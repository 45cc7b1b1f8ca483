import BiDenseIR
import Foundation

/// The binarized DINOv2 ViT of BiDense-DPT (`binary/bivit.py`,
/// `models/dpt/backbones/bivit_vit.py`): binary linears, binary attention, the MLP, the block
/// and the VisionTransformer with its `get_intermediate_layers`.
extension ModuleBuilder {
  static let bivit = "binary/bivit.py"
  static let bivitViT = "models/dpt/backbones/bivit_vit.py"

  /// `BinaryLinear_STE` (scale mean|W| of each row) or `BinaryLinear_adapscaling` (the learned
  /// `scaling_factor`, or mean|W| when it sums to exactly 0: PyTorch's first-forward init).
  /// Both always have a bias, whatever their `bias` argument says.
  mutating func vitLinear(
    _ path: String, inFeatures: Int, outFeatures: Int, adaptiveScale: Bool, _ x: ValueID
  ) throws -> ValueID {
    let name = path.isEmpty ? "linear" : path
    try graph.limits.checkTensor([outFeatures, inFeatures], node: name, what: "weight")
    let weight = try weights.take(
      parameter(path, "weight"), shape: [outFeatures, inFeatures], node: name)
    let bias = try vector(path, "bias", outFeatures)
    var scale = BinaryLinear.meanAbsoluteWeight(weight, outFeatures: outFeatures)
    if adaptiveScale {
      let learned = try weights.take(
        parameter(path, "scaling_factor"), shape: [outFeatures, 1], node: name)
      if learned.reduce(Float(0), +) != 0 { scale = learned }
    }
    return try graph.binaryLinear(
      name, x,
      BinaryLinear(
        inFeatures: inFeatures, outFeatures: outFeatures, weight: weight, scale: scale,
        bias: bias))
  }

  mutating func layerNorm(_ path: String, _ x: ValueID, epsilon: Float) throws -> ValueID {
    let c = graph.shape(x).channels
    return try graph.layerNorm(
      path.isEmpty ? "norm" : path, x,
      LayerNorm(
        weight: try vector(path, "weight", c), bias: try vector(path, "bias", c),
        epsilon: epsilon))
  }

  /// Attention: qkv (adapscaling, dim → 3·dim) → binary attention → proj (adapscaling).
  mutating func vitAttention(_ path: String, dim: Int, heads: Int, _ x: ValueID) throws
    -> ValueID
  {
    guard heads > 0, dim % heads == 0 else {
      throw BiDenseError(
        node: path, "Attention of dim \(dim) cannot split into \(heads) heads of equal width")
    }
    let qkv = try vitLinear(
      child(path, "qkv"), inFeatures: dim, outFeatures: 3 * dim, adaptiveScale: true, x)
    let counts = try graph.attention(node(path, "attention"), qkv, heads: heads)
    return try vitLinear(
      child(path, "proj"), inFeatures: dim, outFeatures: dim, adaptiveScale: true, counts)
  }

  /// Mlp: fc1 (STE) → GELU → fc2 (STE).
  mutating func vitMlp(_ path: String, inFeatures: Int, hidden: Int, outFeatures: Int, _ x: ValueID)
    throws -> ValueID
  {
    var y = try vitLinear(
      child(path, "fc1"), inFeatures: inFeatures, outFeatures: hidden, adaptiveScale: false, x)
    y = try graph.unary(node(path, "act"), y, .gelu)
    return try vitLinear(
      child(path, "fc2"), inFeatures: hidden, outFeatures: outFeatures, adaptiveScale: false, y)
  }

  mutating func layerScale(_ path: String, _ x: ValueID) throws -> ValueID {
    let gamma = try vector(path, "gamma", graph.shape(x).channels)
    return try graph.unary(path.isEmpty ? "ls" : path, x, .layerScale(gamma))
  }

  /// The ViT Block: x + ls1(attn(norm1(x))), then x + ls2(mlp(norm2(x))); LayerNorm eps 1e-6;
  /// the LayerScales only with a nonzero `init_values`.
  mutating func vitBlock(
    _ path: String, dim: Int, heads: Int, mlpRatio: Double, layerScale scaled: Bool,
    _ x: ValueID
  ) throws -> ValueID {
    let hidden = Int(Double(dim) * mlpRatio)
    guard hidden > 0, hidden <= Limits.maxChannels else {
      throw BiDenseError(node: path, "mlp_ratio \(mlpRatio) gives \(hidden) hidden features")
    }
    var y = try layerNorm(child(path, "norm1"), x, epsilon: 1e-6)
    y = try vitAttention(child(path, "attn"), dim: dim, heads: heads, y)
    if scaled { y = try layerScale(child(path, "ls1"), y) }
    let mid = try graph.add(node(path, "add1"), x, y)
    y = try layerNorm(child(path, "norm2"), mid, epsilon: 1e-6)
    y = try vitMlp(child(path, "mlp"), inFeatures: dim, hidden: hidden, outFeatures: dim, y)
    if scaled { y = try layerScale(child(path, "ls2"), y) }
    return try graph.add(node(path, "add2"), mid, y)
  }
}

/// The VisionTransformer's settings, from its constructor or from a DPT's `vit_*` keys.
struct ViTSettings {
  var imageSize: Int
  var patch: Int
  var inChannels = 3
  var embedDim: Int
  var depth: Int
  var heads: Int
  var mlpRatio = 4.0
  var layerScale = true
  var offset = 0.1

  /// The side of the position-embedding grid: img_size // patch_size.
  var grid: Int { imageSize / patch }
}

extension ModuleBuilder {
  /// prepare_tokens_with_masks: the patch embedding (a float Conv2d of kernel = stride =
  /// patch, flattened to tokens), the class token first, plus the position embedding
  /// interpolated to the input's grid (folded here into a constant).
  mutating func vitTokens(_ path: String, _ s: ViTSettings, _ x: ValueID) throws -> ValueID {
    let input = graph.shape(x)
    guard input.height % s.patch == 0, input.width % s.patch == 0 else {
      throw BiDenseError(
        node: child(path, "patch_embed"),
        "the input \(input.height)x\(input.width) is not a multiple of the patch size "
          + "\(s.patch) (PatchEmbed asserts it)")
    }
    let embed = child(child(path, "patch_embed"), "proj")
    var y = try floatConv(
      embed,
      ConvolutionArguments(
        inChannels: s.inChannels, outChannels: s.embedDim, kernel: s.patch, stride: s.patch,
        bias: true), x)
    y = try graph.imageToTokens(node(path, "tokens"), y)
    let cls = try weights.take(
      parameter(path, "cls_token"), shape: [1, 1, s.embedDim], node: child(path, "cls_token"))
    y = try graph.prependToken(node(path, "cls_token"), y, cls)
    let rows = input.height / s.patch
    let columns = input.width / s.patch
    let g = s.grid
    let stored = try weights.take(
      parameter(path, "pos_embed"), shape: [1, 1 + g * g, s.embedDim],
      node: child(path, "pos_embed"))
    let position = try Self.interpolatePositions(
      stored, grid: g, dim: s.embedDim, rows: rows, columns: columns,
      square: input.height == input.width, offset: s.offset, node: child(path, "pos_embed"))
    weights.acknowledge(parameter(path, "mask_token"))
    return try graph.addConstant(node(path, "pos_embed"), y, position)
  }

  /// interpolate_pos_encoding: the stored embedding when the grid and a square input match,
  /// otherwise row 0 (the class token's) kept and the g×g grid resized by bicubic
  /// interpolation with scale factors ((rows + offset) / g, (columns + offset) / g),
  /// align_corners=False, no antialias; the kernel maps with the given scale, not the size
  /// ratio (docs/SEMANTICS.md). Computed in double, rounded to float32.
  static func interpolatePositions(
    _ stored: [Float], grid g: Int, dim: Int, rows: Int, columns: Int, square: Bool,
    offset: Double, node: String
  ) throws -> [Float] {
    if rows * columns == g * g && square { return stored }
    let sh = (Double(rows) + offset) / Double(g)
    let sw = (Double(columns) + offset) / Double(g)
    // PyTorch's output size is floor(g · scale); the ViT asserts that it is the input's grid.
    guard Int((Double(g) * sh).rounded(.down)) == rows,
      Int((Double(g) * sw).rounded(.down)) == columns
    else {
      throw BiDenseError(
        node: node,
        "bicubic interpolation of the \(g)x\(g) position grid by the offset \(offset) does not "
          + "give \(rows)x\(columns) (the ViT asserts it)")
    }
    let across = bicubicTaps(output: columns, input: g, scale: sw)
    let down = bicubicTaps(output: rows, input: g, scale: sh)
    var result = Array(stored[0..<dim])
    result.reserveCapacity((1 + rows * columns) * dim)
    for r in 0..<rows {
      for c in 0..<columns {
        for e in 0..<dim {
          var total = 0.0
          for (yi, wy) in down[r] {
            var line = 0.0
            for (xi, wx) in across[c] { line += wx * Double(stored[(1 + yi * g + xi) * dim + e]) }
            total += wy * line
          }
          result.append(Float(total))
        }
      }
    }
    return result
  }

  /// Per output position, the four (input index, weight) pairs of PyTorch's bicubic kernel
  /// (A = −0.75, indices clamped to the input) for `F.interpolate(scale_factor = scale)`.
  static func bicubicTaps(output: Int, input: Int, scale: Double) -> [[(Int, Double)]] {
    let a = -0.75
    func near(_ x: Double) -> Double { ((a + 2) * x - (a + 3)) * x * x + 1 }
    func far(_ x: Double) -> Double { ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
    return (0..<output).map { o in
      let source = (Double(o) + 0.5) / scale - 0.5
      let low = source.rounded(.down)
      let t = source - low
      let weights = [far(t + 1), near(t), near(1 - t), far(2 - t)]
      return (0..<4).map { k in (min(max(Int(low) - 1 + k, 0), input - 1), weights[k]) }
    }
  }

  /// The blocks, returning the value after each.
  mutating func vitBlocks(_ path: String, _ s: ViTSettings, _ x: ValueID) throws -> [ValueID] {
    var after: [ValueID] = []
    var y = x
    for i in 0..<s.depth {
      y = try vitBlock(
        child(child(path, "blocks"), "\(i)"), dim: s.embedDim, heads: s.heads,
        mlpRatio: s.mlpRatio, layerScale: s.layerScale, y)
      after.append(y)
    }
    return after
  }

  /// get_intermediate_layers(x, n, reshape, return_class_token, norm): for each block taken
  /// (the last n, or the listed indices), in block order, the patch tokens (an image of the
  /// patch grid with `reshape`) and, with `return_class_token`, the class token, after the
  /// final `norm` (one LayerNorm module, eps 1e-6) when `norm`.
  mutating func vitIntermediateLayers(
    _ path: String, _ s: ViTSettings, taking blocks: [Int], reshape: Bool, classToken: Bool,
    norm: Bool, _ x: ValueID
  ) throws -> [ValueID] {
    let input = graph.shape(x)
    let tokens = try vitTokens(path, s, x)
    let after = try vitBlocks(path, s, tokens)
    var outputs: [ValueID] = []
    for i in blocks {
      let tag = "\(i)"
      var y = after[i]
      if norm { y = try layerNorm(child(path, "norm"), y, epsilon: 1e-6) }
      let rows = graph.shape(y).tokens
      var patches = try graph.sliceTokens(
        node(path, "patch_tokens.\(tag)"), y, start: 1, count: rows - 1)
      if reshape {
        patches = try graph.tokensToImage(
          node(path, "grid.\(tag)"), patches, height: input.height / s.patch,
          width: input.width / s.patch)
      }
      outputs.append(patches)
      if classToken {
        outputs.append(
          try graph.sliceTokens(node(path, "class_token.\(tag)"), y, start: 0, count: 1))
      }
    }
    if !norm {
      for name in ["norm.weight", "norm.bias"] { weights.acknowledge(parameter(path, name)) }
    }
    return outputs
  }

  /// The blocks `n` names: the last n when an int, the listed ones (in block order) when a list.
  static func blocksTaken(_ n: Either<Int, [Int]>, depth: Int) throws -> [Int] {
    switch n {
    case .first(let count):
      guard count >= 1, count <= depth else {
        throw BiDenseError(
          "get_intermediate_layers takes the last n blocks, but n is \(count) of \(depth)")
      }
      return Array((depth - count)..<depth)
    case .second(let list):
      guard Set(list).count == list.count, list.allSatisfy({ (0..<depth).contains($0) }) else {
        throw BiDenseError(
          "get_intermediate_layers takes blocks \(list), but the model has blocks 0 to "
            + "\(depth - 1), each once")
      }
      return list.sorted()
    }
  }

  /// VisionTransformer's settings from its constructor.
  static func vitSettings(_ a: Attributes) throws -> ViTSettings {
    let (height, width) = try a.pair("img_size")
    guard height == width else {
      throw BiDenseError(
        "\(a.place("img_size")) is \(height)x\(width): the position grid must be square")
    }
    let patch = try a.int("patch_size")
    guard height >= patch else {
      throw BiDenseError("\(a.place("img_size")) \(height) is smaller than the patch \(patch)")
    }
    let initValues = try a.optionalDouble("init_values") ?? 0
    return ViTSettings(
      imageSize: height, patch: patch, inChannels: try a.int("in_chans"),
      embedDim: try a.int("embed_dim"), depth: try a.int("depth"), heads: try a.int("num_heads"),
      mlpRatio: try a.double("mlp_ratio"), layerScale: initValues != 0,
      offset: try a.double("interpolate_offset"))
  }
}

extension ModuleTable {
  static let linearAttributes: [AttributeSpec] = [
    .channels("in_features"), .channels("out_features"),
    .flag("bias", true, note: "no effect: the layer always has a bias"),
    .flag("quantize_act", true, only: true),
    AttributeSpec("weight_bits", .int(1...1), .value(.int(1))),
    AttributeSpec("input_bits", .int(1...1), .value(.int(1))),
    AttributeSpec(
      "clip_val", .float(minimum: nil, exclusive: false, maximum: nil), .value(.float(2.5)),
      note: "no effect"),
  ]

  static let binaryLinearSTE = ModuleDefinition(
    "BinaryLinear_STE",
    "sign(x) · (a ⊙ sign(W − row mean))ᵀ + bias, ternary signs, a = mean|W| per row",
    source: ModuleBuilder.bivit, attributes: linearAttributes,
    parameters: [.tensors(["weight"], shape: "[out, in]"), .tensors(["bias"], shape: "[out]")]
  ) { b, call in
    try b.vitLinear(
      call.path, inFeatures: try call.attributes.int("in_features"),
      outFeatures: try call.attributes.int("out_features"), adaptiveScale: false, call.input)
  }

  static let binaryLinearAdaptiveScaling = ModuleDefinition(
    "BinaryLinear_adapscaling",
    "sign(x) · (s ⊙ sign(W − row mean))ᵀ + bias, ternary signs, s learned (mean|W| if it "
      + "sums to 0)",
    source: ModuleBuilder.bivit, attributes: linearAttributes,
    parameters: [
      .tensors(["weight"], shape: "[out, in]"), .tensors(["bias"], shape: "[out]"),
      .tensors(["scaling_factor"], shape: "[out, 1]"),
    ]
  ) { b, call in
    try b.vitLinear(
      call.path, inFeatures: try call.attributes.int("in_features"),
      outFeatures: try call.attributes.int("out_features"), adaptiveScale: true, call.input)
  }

  static let vitAttention = ModuleDefinition(
    "Attention",
    "ViT binary attention: qkv → ternary q, k, v → keep keys within ⌊ln 4·√hd⌋ of the best "
      + "integer score → counts Σ v → proj",
    source: ModuleBuilder.bivitViT,
    attributes: [
      .channels("dim"), AttributeSpec("num_heads", .int(1...Limits.maxChannels), .value(.int(8))),
      .flag("qkv_bias", false, note: "no effect: qkv always has a bias"),
      .flag("proj_bias", true, note: "no effect: proj always has a bias"),
      AttributeSpec(
        "attn_drop", .float(minimum: 0, exclusive: false, maximum: 1), .value(.float(0)),
        note: "no effect in eval"),
      AttributeSpec(
        "proj_drop", .float(minimum: 0, exclusive: false, maximum: 1), .value(.float(0)),
        note: "no effect in eval"),
    ],
    parameters: [
      .child("qkv.", module: "BinaryLinear_adapscaling", note: "dim → 3·dim"),
      .child("proj.", module: "BinaryLinear_adapscaling", note: "dim → dim"),
    ]
  ) { b, call in
    try b.vitAttention(
      call.path, dim: try call.attributes.int("dim"),
      heads: try call.attributes.int("num_heads"), call.input)
  }

  static let vitMlp = ModuleDefinition(
    "Mlp", "ViT MLP: fc1 (BinaryLinear_STE) → GELU → fc2 (BinaryLinear_STE)",
    source: ModuleBuilder.bivitViT,
    attributes: [
      .channels("in_features"), .channels("hidden_features", .optional("= in_features")),
      .channels("out_features", .optional("= in_features")),
      AttributeSpec(
        "drop", .float(minimum: 0, exclusive: false, maximum: 1), .value(.float(0)),
        note: "no effect in eval"),
      .flag("bias", true, note: "no effect: both layers always have a bias"),
    ],
    parameters: [
      .child("fc1.", module: "BinaryLinear_STE", note: "in → hidden"),
      .child("fc2.", module: "BinaryLinear_STE", note: "hidden → out"),
    ]
  ) { b, call in
    let a = call.attributes
    let inFeatures = try a.int("in_features")
    return try b.vitMlp(
      call.path, inFeatures: inFeatures, hidden: try a.optionalInt("hidden_features") ?? inFeatures,
      outFeatures: try a.optionalInt("out_features") ?? inFeatures, call.input)
  }

  static let layerScale = ModuleDefinition(
    "LayerScale", "x ⊙ gamma per channel (the ViT block's LayerScale)",
    source: ModuleBuilder.bivitViT,
    attributes: [
      .channels("dim"),
      AttributeSpec(
        "init_values", .float(minimum: nil, exclusive: false, maximum: nil),
        .value(.float(1e-5)), note: "the stored gamma is used"),
      .flag("inplace", false, note: "no effect"),
    ],
    parameters: [.tensors(["gamma"], shape: "[dim]")]
  ) { b, call in
    try b.requireChannels(call, "dim")
    return try b.layerScale(call.path, call.input)
  }

  static let vitBlock = ModuleDefinition(
    "Block",
    "ViT block: x + ls1(attn(norm1(x))), then x + ls2(mlp(norm2(x))); LayerNorm eps 1e-6",
    source: ModuleBuilder.bivitViT,
    attributes: [
      .channels("dim"), AttributeSpec("num_heads", .int(1...Limits.maxChannels), .required),
      AttributeSpec(
        "mlp_ratio", .float(minimum: 0, exclusive: true, maximum: 1024), .value(.float(4))),
      .flag("qkv_bias", false, note: "no effect: qkv always has a bias"),
      .flag("proj_bias", true, note: "no effect"), .flag("ffn_bias", true, note: "no effect"),
      AttributeSpec(
        "drop", .float(minimum: 0, exclusive: false, maximum: 1), .value(.float(0)),
        note: "no effect in eval"),
      AttributeSpec(
        "attn_drop", .float(minimum: 0, exclusive: false, maximum: 1), .value(.float(0)),
        note: "no effect in eval"),
      AttributeSpec(
        "init_values", .float(minimum: nil, exclusive: false, maximum: nil),
        .optional("no LayerScale; 0 too")),
    ],
    parameters: [
      .tensors(["norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias"], shape: "[dim]"),
      .child("attn.", module: "Attention"),
      .child("mlp.", module: "Mlp", note: "dim → dim·mlp_ratio"),
      .tensors(["ls1.gamma", "ls2.gamma"], shape: "[dim]", when: "with init_values"),
    ]
  ) { b, call in
    let a = call.attributes
    return try b.vitBlock(
      call.path, dim: try a.int("dim"), heads: try a.int("num_heads"),
      mlpRatio: try a.double("mlp_ratio"),
      layerScale: (try a.optionalDouble("init_values") ?? 0) != 0, call.input)
  }

  static let vitAttributes: [AttributeSpec] = [
    .window("img_size", from: 1, .value(.int(224))),
    AttributeSpec("patch_size", .int(1...Limits.maxExtent), .value(.int(16))),
    .channels("in_chans", .value(.int(3))), .channels("embed_dim", .value(.int(768))),
    AttributeSpec("depth", .int(1...1024), .value(.int(12))),
    AttributeSpec("num_heads", .int(1...Limits.maxChannels), .value(.int(12))),
    AttributeSpec(
      "mlp_ratio", .float(minimum: 0, exclusive: true, maximum: 1024), .value(.float(4))),
    .flag("qkv_bias", true, note: "no effect"), .flag("ffn_bias", true, note: "no effect"),
    .flag("proj_bias", true, note: "no effect"),
    AttributeSpec(
      "init_values", .float(minimum: nil, exclusive: false, maximum: nil),
      .optional("no LayerScale; 0 too")),
    .flag("interpolate_antialias", false, only: false),
    AttributeSpec(
      "interpolate_offset", .float(minimum: 0, exclusive: false, maximum: 1),
      .value(.float(0.1))),
  ]

  static let visionTransformer = ModuleDefinition(
    "VisionTransformer",
    "binarized DINOv2 ViT: patch embedding, class token, interpolated positions, blocks; "
      + "forward gives the normed class token",
    source: ModuleBuilder.bivitViT, attributes: vitAttributes,
    parameters: [
      .child("patch_embed.proj.", module: "Conv2d", note: "kernel = stride = patch, with bias"),
      .tensors(["cls_token"], shape: "[1, 1, E]"),
      .tensors(["pos_embed"], shape: "[1, 1 + (img_size / patch)², E]"),
      .child("blocks.i.", module: "Block", note: "ViT"),
      .tensors(["norm.weight", "norm.bias"], shape: "[E]"),
      .tensors(["mask_token"], shape: "[1, E]", when: "unused"),
    ],
    methods: [
      MethodDefinition(
        "get_intermediate_layers",
        "per block taken, the patch tokens and (return_class_token) the class token",
        arguments: [
          AttributeSpec("n", .intOrList(0...1024, count: 1...1024), .value(.int(1))),
          .flag("reshape", false), .flag("return_class_token", false), .flag("norm", true),
        ]
      ) { b, call, args in
        let s = try ModuleBuilder.vitSettings(call.attributes)
        return try b.vitIntermediateLayers(
          call.path, s,
          taking: try ModuleBuilder.blocksTaken(try args.intOrInts("n"), depth: s.depth),
          reshape: try args.bool("reshape"), classToken: try args.bool("return_class_token"),
          norm: try args.bool("norm"), call.input)
      }
    ]
  ) { b, call in
    // forward(): the class token of the normed output of the last block.
    let s = try ModuleBuilder.vitSettings(call.attributes)
    let tokens = try b.vitTokens(call.path, s, call.input)
    let last = try b.vitBlocks(call.path, s, tokens).last!
    let normed = try b.layerNorm(b.child(call.path, "norm"), last, epsilon: 1e-6)
    return try b.graph.sliceTokens(b.node(call.path, "class_token"), normed, start: 0, count: 1)
  }

  static let layerNorm = ModuleDefinition(
    "LayerNorm", "(x − mean) / sqrt(var + eps) · weight + bias over each token's channels",
    attributes: [
      .channels("normalized_shape"),
      AttributeSpec("eps", .float(minimum: 0, exclusive: true, maximum: 1), .value(.float(1e-5))),
      .flag("elementwise_affine", true, only: true), .flag("bias", true, only: true),
    ],
    parameters: [.tensors(["weight", "bias"], shape: "[C]")]
  ) { b, call in
    try b.requireChannels(call, "normalized_shape")
    return try b.layerNorm(
      call.path, call.input, epsilon: Float(try call.attributes.double("eps")))
  }

  static let gelu = ModuleDefinition(
    "GELU", "x/2 · (1 + erf(x/√2)), the exact form",
    attributes: [AttributeSpec("approximate", .string(["none"]), .value(.string("none")))]
  ) { b, call in try b.graph.unary(call.path, call.input, .gelu) }
}
