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

  public init(wordBits: Int = 64, kernels: KernelSet = .exact) {
    self.wordBits = wordBits
    self.kernels = kernels
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
}

/// One fused node as the kernel that computes it.
public struct Kernel: Sendable {
  public var node: FusedNode
  public var kind: KernelKind
  /// The elementwise ops applied to each result before it is stored.
  public var epilogue: [EpilogueStep]

  /// Bytes of workspace the kernel uses while it runs, beside its inputs and output.
  public var scratchBytes: Int { kind.scratchBytes }
}

/// One elementwise op of an epilogue, with the node it comes from.
public struct EpilogueStep: Sendable {
  public var id: ValueID
  public var name: String
  public var op: ElementwiseOp
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

  public var scratchBytes: Int {
    switch self {
    case .quadLookup(let k): return k.scratch.bytes
    case .byteTable(let k): return k.scratch.bytes
    case .depthwiseSignCount(let k): return k.scratch.bytes
    case .wordTable(let k): return k.scratch.bytes
    case .depthwiseBits(let k): return k.scratch.bytes
    case .xnorPopcount(let k): return k.scratch.bytes
    case .floatBaselineConv(let k): return k.scratch.bytes
    case .floatConv, .avgPool, .adaptiveAvgPool, .resizeBilinear, .upsampleNearest, .add, .concat,
      .channelBypass, .elementwise:
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
      .channelBypass, .elementwise:
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
    case .floatConv(let k): return "float conv \(k.window.kernelText)"
    case .avgPool: return "average pool"
    case .adaptiveAvgPool: return "adaptive average pool"
    case .resizeBilinear: return "bilinear resize"
    case .upsampleNearest: return "nearest upsampling"
    case .add: return "add"
    case .concat: return "concat"
    case .channelBypass: return "channel bypass"
    case .elementwise: return "elementwise"
    }
  }

  /// The family a benchmark totals the kernel under.
  public var family: KernelFamily {
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
  case other

  public var description: String {
    switch self {
    case .depthwiseBinary: return "depthwise binary convs"
    case .denseBinary(let h, let w): return "dense binary \(h)x\(w) convs"
    case .pointwiseBinary: return "binary 1x1 convs"
    case .transposedBinary: return "transposed binary convs"
    case .groupedBinary: return "grouped binary convs"
    case .other: return "other nodes"
    }
  }
}

public enum KernelLowering {
  public static func lower(_ schedule: Schedule, for target: KernelTarget) throws -> LoweredModel {
    let graph = schedule.graph
    let kernels = try schedule.nodes.map { node in
      Kernel(
        node: node, kind: try choose(node, graph, target),
        epilogue: node.epilogue.map { step(graph, $0) })
    }
    return LoweredModel(schedule: schedule, target: target, kernels: kernels)
  }

  static func step(_ graph: Graph, _ id: ValueID) -> EpilogueStep {
    guard let op = graph[id].op.elementwise else {
      preconditionFailure("fusion put \(graph[id].op.kindName) in an epilogue")
    }
    return EpilogueStep(id: id, name: graph[id].name, op: op)
  }

  /// The measured rules: which algorithm computes a fused node on the target.
  static func choose(_ node: FusedNode, _ graph: Graph, _ target: KernelTarget) throws
    -> KernelKind
  {
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
        return .floatConv(FloatConvKernel(conv, input: input!, output: op.shape))
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
