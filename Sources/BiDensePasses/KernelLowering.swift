import BiDenseIR

// Stage 5 of the pipeline: kernel lowering.
// In:  a Schedule (fused nodes in run order) and the target's word size and kernel set.
// Out: a LoweredModel: for each fused node, one Kernel value naming the algorithm that
//      computes it (a KernelKind case), with its data layout, blocking and scratch needs.
// Every choice of algorithm is made here, by the rules in `choose`; packing, memory planning
// and emission read the choice from the value and decide nothing more.

/// What the kernels are lowered for.
public struct KernelTarget: Sendable, Equatable {
  /// The bits of a packed word: 64 on 64-bit hosts, 32 on Cortex-M.
  public var wordBits: Int
  public var kernels: KernelSet
  /// The C may be compiled with `<PREFIX>_AVX512` (an x86-64 machine), so the kernels with a
  /// layout of their own on that path reserve it too. Other targets keep the smaller workspace.
  public var avx512Layout: Bool

  /// `avx512Layout` defaults to whether this compiler runs on x86-64, for 64-bit words.
  public init(wordBits: Int = 64, kernels: KernelSet = .exact, avx512Layout: Bool? = nil) {
    self.wordBits = wordBits
    self.kernels = kernels
    self.avx512Layout = avx512Layout ?? (wordBits >= 64 && Self.runsOnX86)
  }

  /// Whether this compiler runs on an x86-64 machine (the `host` target's architecture).
  public static var runsOnX86: Bool {
    #if arch(x86_64)
      return true
    #else
      return false
    #endif
  }

  /// Independent compensated-sum lanes. A Kahan step is a chain of four dependent adds, so
  /// 64-bit hosts take four vector registers of lanes to hide its latency; 32-bit cores, with
  /// neither vectors nor RAM to spare, keep four lanes (sum and carry) in float registers.
  public var compensatedLanes: Int { wordBits >= 64 ? 32 : 4 }

  /// The compensated sums keep their lanes in registers, each taking four values per step
  /// (added in pairs, an ulp of the mean at most): 32-bit cores without vector units.
  public var compensatedSumsInRegisters: Bool { wordBits < 64 }
}

/// Which code computes the binary convolutions.
public enum KernelSet: String, Sendable {
  /// Exact, bit-packed kernels: the product.
  case exact
  /// Float32 convolutions with ±a weights (im2col + sgemm): the baseline `bench` compares to.
  case float32Baseline
}

/// The schedule with each fused node lowered to the kernel that computes it.
public struct LoweredModel: Sendable {
  public var schedule: Schedule
  public var target: KernelTarget
  /// One per fused node, in run order.
  public var kernels: [Kernel]

  public var graph: Graph { schedule.graph }

  /// How `id` is kept: as its producer stores it (graph inputs are floats).
  public func storage(of id: ValueID) -> ValueStorage {
    kernels.first { $0.node.output == id }?.output ?? .floats
  }
}

/// One fused node as the kernel that computes it.
public struct Kernel: Sendable {
  public var node: FusedNode
  public var kind: KernelKind
  /// The ops applied to each result before it is stored.
  public var epilogue: [EpilogueStep]
  /// How the node's output is stored: floats, or its ternary signs only.
  public var output: ValueStorage = .floats

  /// Bytes of workspace the kernel uses while it runs, beside its inputs and output.
  public var scratchBytes: Int { kind.scratchBytes }

  /// Bytes of the node's output as stored.
  public func outputBytes(_ shape: TensorShape) -> Int {
    output.ternary?.bytes ?? 4 * shape.count
  }
}

/// One op of an epilogue, with the node it comes from.
public struct EpilogueStep: Sendable {
  public enum Action: Sendable {
    case elementwise(ElementwiseOp)
    /// Adds the element of the same position of another input of the kernel (a residual).
    case residual(input: ValueID)
  }

  public var id: ValueID
  public var name: String
  public var action: Action

  public var op: ElementwiseOp? {
    if case .elementwise(let op) = action { return op }
    return nil
  }

  public var kindName: String { op?.kindName ?? "Residual" }
}

/// The algorithm of a kernel, with everything its code depends on.
public enum KernelKind: Sendable {
  /// Dense binary convolution, exact: tables of the 16 signed sums per quad of channels.
  case quadLookup(QuadLookupKernel)
  /// Grouped or transposed binary convolution (dense on 32-bit cores), exact: byte tables.
  case byteTable(ByteTableKernel)
  /// Depthwise binary convolution, exact: counts of sign agreements.
  case depthwiseSignCount(DepthwiseKernel)
  /// Dense, grouped or stride-sized transposed binary convolution on a 32-bit core, exact:
  /// byte tables on 8-, 16- or 32-bit units, taps unrolled, sums in registers.
  case wordTable(WordTableKernel)
  /// Depthwise binary convolution on a 32-bit core, exact: bit-sliced counts of agreements
  /// across 32 channels.
  case depthwiseBits(DepthwiseBitsKernel)
  /// Dense binary convolution under `--dab-scale=layer`: xnor-popcount.
  case xnorPopcount(XnorPopcountKernel)
  /// A binary convolution as a float32 im2col + sgemm, for the benchmark's baseline.
  case floatBaselineConv(FloatBaselineKernel)
  case floatConv(FloatConvKernel)
  case avgPool(AvgPoolKernel)
  case adaptiveAvgPool(ReshapeKernel)
  case resizeBilinear(ReshapeKernel)
  case upsampleNearest(UpsampleKernel)
  case add(TensorShape)
  case concat(ConcatKernel)
  case channelBypass(ChannelBypassKernel)
  /// A lone elementwise op that no producer could take into its epilogue.
  case elementwise(EpilogueStep, TensorShape)
  /// A binary linear layer: and/xor-popcount over packed ternary planes.
  case binaryLinear(BinaryLinearKernel)
  /// Binary attention, a query row at a time, on integer scores.
  case attention(AttentionKernel)
  case layerNorm(LayerNormKernel)
  /// The float32 baseline's binary linear layer and attention (`bench`).
  case binaryLinearBaseline(BinaryLinearBaselineKernel)
  case attentionBaseline(AttentionBaselineKernel)
  case imageToTokens(ReshapeKernel)
  case tokensToImage(ReshapeKernel)
  case prependToken(TokenRowsKernel)
  case sliceTokens(TokenRowsKernel)
  case addConstant(TensorShape)
  case appendTokenToRows(TensorShape)
  case channelBypass1D(ChannelBypassKernel)
  case resizeAntialiased(AntialiasedResizeKernel)

  public var scratchBytes: Int {
    switch self {
    case .quadLookup(let k): return k.scratch.bytes
    case .byteTable(let k): return k.scratch.bytes
    case .depthwiseSignCount(let k): return k.scratch.bytes
    case .wordTable(let k): return k.scratch.bytes
    case .depthwiseBits(let k): return k.scratch.bytes
    case .xnorPopcount(let k): return k.scratch.bytes
    case .floatBaselineConv(let k): return k.scratch.bytes
    case .binaryLinear(let k): return k.scratch.bytes
    case .attention(let k): return k.scratch.bytes
    case .binaryLinearBaseline(let k): return k.scratch.bytes
    case .attentionBaseline(let k): return k.scratch.bytes
    case .resizeAntialiased(let k): return k.scratch.bytes
    case .floatConv(let k): return k.scratch.bytes
    case .avgPool, .adaptiveAvgPool, .resizeBilinear, .upsampleNearest, .add, .concat,
      .channelBypass, .elementwise, .layerNorm, .imageToTokens, .tokensToImage, .prependToken,
      .sliceTokens, .addConstant, .appendTokenToRows, .channelBypass1D:
      return 0
    }
  }

  /// The binary convolution's geometry, for the kernels that compute one.
  public var binaryConv: BinaryConvGeometry? {
    switch self {
    case .quadLookup(let k): return k.geometry
    case .byteTable(let k): return k.geometry
    case .depthwiseSignCount(let k): return k.geometry
    case .wordTable(let k): return k.geometry
    case .depthwiseBits(let k): return k.geometry
    case .xnorPopcount(let k): return k.geometry
    case .floatBaselineConv(let k): return k.geometry
    case .floatConv, .avgPool, .adaptiveAvgPool, .resizeBilinear, .upsampleNearest, .add, .concat,
      .channelBypass, .elementwise, .binaryLinear, .attention, .layerNorm, .binaryLinearBaseline,
      .attentionBaseline, .imageToTokens, .tokensToImage, .prependToken, .sliceTokens,
      .addConstant, .appendTokenToRows, .channelBypass1D, .resizeAntialiased:
      return nil
    }
  }

  /// The algorithm in a few words, for listings: `LUT-4 dense 3x3`.
  public var description: String {
    switch self {
    case .quadLookup(let k): return "LUT-4 dense \(k.geometry.window.kernelText)"
    case .byteTable(let k):
      let g = k.geometry
      let shape = g.transposed ? "transposed " : g.groups > 1 ? "grouped " : "dense "
      return "byte table, \(shape)\(g.window.kernelText)"
    case .depthwiseSignCount(let k):
      return "depthwise \(k.geometry.window.kernelText), sign counts"
    case .wordTable(let k):
      let g = k.geometry
      let shape = g.transposed ? "transposed " : g.groups > 1 ? "grouped " : "dense "
      return "byte table, \(shape)\(g.window.kernelText), \(k.units.bits)-bit units"
    case .depthwiseBits(let k):
      return "depthwise \(k.geometry.window.kernelText), bit-sliced counts"
    case .xnorPopcount(let k): return "xnor-popcount dense \(k.geometry.window.kernelText)"
    case .floatBaselineConv: return "float32 im2col + sgemm"
    case .floatConv(let k):
      return "float conv \(k.window.kernelText)" + (k.gathers ? ", windows gathered" : "")
    case .avgPool: return "average pool"
    case .adaptiveAvgPool: return "adaptive average pool"
    case .resizeBilinear: return "bilinear resize"
    case .upsampleNearest: return "nearest upsampling"
    case .add: return "add"
    case .concat: return "concat"
    case .channelBypass: return "channel bypass"
    case .elementwise: return "elementwise"
    case .binaryLinear(let k):
      return "binary linear \(k.inFeatures)->\(k.outFeatures), "
        + (k.denseWeights ? "xor-popcount" : "and/xor-popcount")
        + (k.packsInput ? ", packs its input" + (k.hasMove ? " after the move" : "") : "")
    case .attention(let k): return "binary attention, \(plural(k.heads, "head")) of \(k.headDim)"
    case .layerNorm: return "layer norm"
    case .binaryLinearBaseline(let k): return "float32 linear \(k.inFeatures)->\(k.outFeatures)"
    case .attentionBaseline: return "float32 attention with softmax"
    case .imageToTokens: return "image to tokens"
    case .tokensToImage: return "tokens to image"
    case .prependToken: return "prepend token"
    case .sliceTokens: return "take tokens"
    case .addConstant: return "add constant"
    case .appendTokenToRows: return "append token to rows"
    case .channelBypass1D: return "channel bypass 1-D"
    case .resizeAntialiased: return "antialiased resize"
    }
  }

  /// Multiply-accumulates (or, for the attention, score word terms) of the kernel's binary
  /// linear algebra, for reports; 0 for kernels without any.
  public var linearMultiplyAccumulates: Int {
    switch self {
    case .binaryLinear(let k): return k.multiplyAccumulates
    case .binaryLinearBaseline(let k): return k.multiplyAccumulates
    case .attention(let k): return k.multiplyAccumulates
    case .attentionBaseline(let k): return k.multiplyAccumulates / 2
    case .quadLookup, .byteTable, .depthwiseSignCount, .xnorPopcount, .floatBaselineConv,
      .wordTable, .depthwiseBits,
      .floatConv, .avgPool, .adaptiveAvgPool, .resizeBilinear, .upsampleNearest, .add, .concat,
      .channelBypass, .elementwise, .layerNorm, .imageToTokens, .tokensToImage, .prependToken,
      .sliceTokens, .addConstant, .appendTokenToRows, .channelBypass1D, .resizeAntialiased:
      return 0
    }
  }

  /// The family a benchmark totals the kernel under.
  public var family: KernelFamily {
    switch self {
    case .binaryLinear, .binaryLinearBaseline: return .binaryLinear
    case .attention, .attentionBaseline: return .attention
    case .layerNorm: return .layerNorm
    case .quadLookup, .byteTable, .depthwiseSignCount, .xnorPopcount, .floatBaselineConv,
      .wordTable, .depthwiseBits,
      .floatConv, .avgPool, .adaptiveAvgPool, .resizeBilinear, .upsampleNearest, .add, .concat,
      .channelBypass, .elementwise, .imageToTokens, .tokensToImage, .prependToken, .sliceTokens,
      .addConstant, .appendTokenToRows, .channelBypass1D, .resizeAntialiased:
      break
    }
    guard let g = binaryConv else { return .other }
    if g.transposed { return .transposedBinary }
    if g.isDepthwise { return .depthwiseBinary }
    if g.groups > 1 { return .groupedBinary }
    if g.window.kernelH == 1 && g.window.kernelW == 1 { return .pointwiseBinary }
    return .denseBinary(kernelH: g.window.kernelH, kernelW: g.window.kernelW)
  }
}

/// Kernels grouped for reports: the binary convolutions by shape, and the rest.
public enum KernelFamily: Hashable, Sendable, Comparable, CustomStringConvertible {
  case depthwiseBinary
  case denseBinary(kernelH: Int, kernelW: Int)
  case pointwiseBinary
  case transposedBinary
  case groupedBinary
  case binaryLinear
  case attention
  case layerNorm
  case other

  public var description: String {
    switch self {
    case .depthwiseBinary: return "depthwise binary convs"
    case .denseBinary(let h, let w): return "dense binary \(h)x\(w) convs"
    case .pointwiseBinary: return "binary 1x1 convs"
    case .transposedBinary: return "transposed binary convs"
    case .groupedBinary: return "grouped binary convs"
    case .binaryLinear: return "binary linears"
    case .attention: return "binary attention"
    case .layerNorm: return "layer norms"
    case .other: return "other nodes"
    }
  }
}

public enum KernelLowering {
  public static func lower(_ schedule: Schedule, for target: KernelTarget) throws -> LoweredModel {
    let graph = schedule.graph
    let storages = storages(schedule, target)
    let kernels = try schedule.nodes.map { node in
      var kernel = Kernel(
        node: node, kind: try choose(node, graph, target, storages),
        epilogue: steps(node, graph))
      kernel.output = storages[node.output] ?? .floats
      return kernel
    }
    return LoweredModel(schedule: schedule, target: target, kernels: kernels)
  }

  /// The epilogue of `node` as steps: each elementwise op, and each Add with the value it
  /// reads besides the running result.
  static func steps(_ node: FusedNode, _ graph: Graph) -> [EpilogueStep] {
    var last = node.epilogue.first.map { graph[$0].inputs[0] } ?? node.output
    if case .primitive(let id) = node.body { last = id }
    return node.epilogue.map { id in
      defer { last = id }
      if graph[id].op.elementwise != nil { return step(graph, id) }
      guard case .add = graph[id].op, let other = graph[id].inputs.first(where: { $0 != last })
      else { preconditionFailure("fusion put \(graph[id].op.kindName) in an epilogue") }
      return EpilogueStep(id: id, name: graph[id].name, action: .residual(input: other))
    }
  }

  static func step(_ graph: Graph, _ id: ValueID) -> EpilogueStep {
    guard let op = graph[id].op.elementwise else {
      preconditionFailure("fusion put \(graph[id].op.kindName) in an epilogue")
    }
    return EpilogueStep(id: id, name: graph[id].name, action: .elementwise(op))
  }

  /// The values kept as packed ternary signs: the output of a binary linear layer, a
  /// LayerNorm or the attention when it is not a model output and every node reading it
  /// binarizes it without a `move` (a binary linear layer, or the attention, which takes its
  /// planes a head to a segment). Its producer computes the signs once, as it stores them; no
  /// float tensor of it exists. The float32 baseline keeps every value as floats.
  static func storages(_ schedule: Schedule, _ target: KernelTarget) -> [ValueID: ValueStorage] {
    guard target.kernels == .exact else { return [:] }
    let graph = schedule.graph
    let outputs = Set(graph.outputs)
    var readers: [ValueID: [FusedNode]] = [:]
    for node in schedule.nodes {
      for input in Set(node.inputs) { readers[input, default: []].append(node) }
    }
    var result: [ValueID: ValueStorage] = [:]
    for node in schedule.nodes {
      guard case .primitive(let id) = node.body, packsTernary(graph[id].op),
        !outputs.contains(node.output), let users = readers[node.output], !users.isEmpty
      else { continue }
      var segment: Int?
      let binarizing = users.allSatisfy { user in
        guard case .primitive(let reader) = user.body, user.inputs.first == node.output,
          user.inputs.filter({ $0 == node.output }).count == 1
        else { return false }
        switch graph[reader].op {
        case .binaryLinear(let linear): return linear.move == nil
        case .attention(let heads):
          let width = graph[node.output].shape.channels / 3 / heads
          defer { segment = width }
          return segment == nil || segment == width
        case .input, .binarize, .binaryConv, .conv, .channelBypass, .add, .concat, .avgPool,
          .adaptiveAvgPool, .resizeBilinear, .upsampleNearest, .elementwise, .layerNorm,
          .imageToTokens, .tokensToImage, .prependToken, .addConstant, .sliceTokens,
          .appendTokenToRows, .channelBypass1D, .resizeAntialiased:
          return false
        }
      }
      guard binarizing else { continue }
      let shape = graph[node.output].shape
      result[node.output] = .ternary(
        TernaryLayout(
          tokens: shape.tokens, channels: shape.channels, segment: segment,
          wordBits: target.wordBits))
    }
    return result
  }

  /// The ops whose kernels can store their result's signs instead of the result.
  static func packsTernary(_ op: Op) -> Bool {
    switch op {
    case .binaryLinear, .layerNorm, .attention: return true
    case .input, .binarize, .binaryConv, .conv, .channelBypass, .add, .concat, .avgPool,
      .adaptiveAvgPool, .resizeBilinear, .upsampleNearest, .elementwise, .imageToTokens,
      .tokensToImage, .prependToken, .addConstant, .sliceTokens, .appendTokenToRows,
      .channelBypass1D, .resizeAntialiased:
      return false
    }
  }

  /// The measured rules: which algorithm computes a fused node on the target.
  static func choose(
    _ node: FusedNode, _ graph: Graph, _ target: KernelTarget,
    _ storages: [ValueID: ValueStorage] = [:]
  ) throws -> KernelKind {
    switch node.body {
    case .binaryConv(let fused):
      let geometry = BinaryConvGeometry(fused, node, graph)
      let binarizer = graph[fused.binarize].op
      if target.kernels == .float32Baseline {
        return .floatBaselineConv(FloatBaselineKernel(geometry, target))
      }
      if case .binarize(let b) = binarizer, b.layerScale {
        return .xnorPopcount(XnorPopcountKernel(geometry, target))
      }
      // On a 32-bit core, 32 channels' signs in a word and bit-sliced counts: measured on
      // QEMU's Cortex-M4 (conv7x7_depthwise, 183 k binary MACs, -O2), 239 k instructions
      // against 1.84 M for the int8 sign counts; window sums in byte lanes took 385 k, and
      // 324 k with the DSP extension's USADA8.
      if target.wordBits == 32 && DepthwiseBitsKernel.applies(geometry) {
        return .depthwiseBits(DepthwiseBitsKernel(geometry))
      }
      if geometry.isDepthwise {
        return .depthwiseSignCount(DepthwiseKernel(geometry, target))
      }
      // LUT-4 needs vector registers to pay for its tables (measured: 2× the instructions of
      // the byte tables on a Cortex-M4); a 32-bit core does better with byte lookups.
      if geometry.groups == 1 && !geometry.transposed && target.wordBits == 64 {
        return .quadLookup(QuadLookupKernel(geometry, target))
      }
      // On a 32-bit core, the byte tables on units with the taps unrolled and each sum in a
      // register: measured on QEMU's Cortex-M4 (-O2) against the byte tables with a window list
      // per pixel, conv3x3_same 559 k → 269 k instructions, conv3x3_down_merge 1.06 M → 480 k,
      // conv1x1_up4 557 k → 219 k, convT2x2_stride2 411 k → 99 k. Transposed only when the
      // kernel is the stride (no overlap); other transposed ones keep the byte tables.
      if target.wordBits == 32 && WordTableKernel.applies(geometry) {
        return .wordTable(WordTableKernel(geometry))
      }
      return .byteTable(ByteTableKernel(geometry, target))
    case .primitive(let id):
      let op = graph[id]
      let input = op.inputs.first.map { graph[$0].shape }
      switch op.op {
      case .conv(let conv):
        guard !conv.transposed else {
          throw BiDenseError(node: op.name, "a float transposed convolution is not supported")
        }
        return .floatConv(
          FloatConvKernel(conv, input: input!, output: op.shape, vectorRows: target.wordBits == 64))
      case .avgPool(let window):
        return .avgPool(AvgPoolKernel(window: window, input: input!, output: op.shape))
      case .adaptiveAvgPool:
        return .adaptiveAvgPool(ReshapeKernel(input: input!, output: op.shape))
      case .resizeBilinear:
        return .resizeBilinear(ReshapeKernel(input: input!, output: op.shape))
      case .upsampleNearest(let scale):
        return .upsampleNearest(UpsampleKernel(scale: scale, input: input!, output: op.shape))
      case .add:
        return .add(op.shape)
      case .concat:
        return .concat(
          ConcatKernel(
            parts: op.inputs.map { (channels: graph[$0].shape.channels, name: graph[$0].name) },
            output: op.shape))
      case .channelBypass:
        return .channelBypass(ChannelBypassKernel(graph, op))
      case .elementwise:
        return .elementwise(step(graph, id), op.shape)
      case .binaryLinear(let linear):
        if target.kernels == .float32Baseline {
          return .binaryLinearBaseline(BinaryLinearBaselineKernel(linear, tokens: op.shape.tokens))
        }
        let output = storages[node.output] ?? .floats
        let last = node.epilogue.last.flatMap { graph[$0].op.elementwise }
        var geluLast = false
        if case .gelu = last { geluLast = true }
        return .binaryLinear(
          BinaryLinearKernel(
            linear, tokens: op.shape.tokens, input: storages[op.inputs[0]] ?? .floats,
            output: output, geluSign: geluLast && output.ternary != nil, target: target))
      case .layerNorm(let norm):
        return .layerNorm(
          LayerNormKernel(
            tokens: op.shape.tokens, channels: op.shape.channels, epsilon: norm.epsilon,
            output: storages[node.output] ?? .floats, compensatedLanes: target.compensatedLanes))
      case .attention(let heads):
        if target.kernels == .float32Baseline {
          return .attentionBaseline(AttentionBaselineKernel(heads: heads, input: input!))
        }
        return .attention(
          AttentionKernel(
            heads: heads, input: input!, storage: storages[op.inputs[0]] ?? .floats,
            output: storages[node.output] ?? .floats, target: target))
      case .imageToTokens:
        return .imageToTokens(ReshapeKernel(input: input!, output: op.shape))
      case .tokensToImage:
        return .tokensToImage(ReshapeKernel(input: input!, output: op.shape))
      case .prependToken:
        return .prependToken(TokenRowsKernel(input: input!, output: op.shape, offset: 1))
      case .sliceTokens(let start):
        return .sliceTokens(TokenRowsKernel(input: input!, output: op.shape, offset: start))
      case .addConstant:
        return .addConstant(op.shape)
      case .appendTokenToRows:
        return .appendTokenToRows(op.shape)
      case .channelBypass1D:
        return .channelBypass1D(ChannelBypassKernel(graph, op))
      case .resizeAntialiased:
        return .resizeAntialiased(AntialiasedResizeKernel(input: input!, output: op.shape))
      case .input, .binarize, .binaryConv:
        // The frontends put every DAB right before its binary convolution and BatchNorm.
        throw BiDenseError(
          node: op.name, "\(op.op.kindName) outside a fused BiDense convolution is not supported")
      }
    }
  }
}

extension Window {
  /// `3x3`.
  public var kernelText: String { "\(kernelH)x\(kernelW)" }
}
