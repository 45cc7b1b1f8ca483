import BiDenseIR

// Stage 3 of the pipeline: fusion.
// In:  the primitive graph (every node one op of Op, in topological order).
// Out: a Schedule: the same graph plus the fused nodes that compute it, in run order. Every
//      primitive node except the inputs belongs to exactly one fused node; a fused node reads
//      only values that earlier fused nodes (or the graph's inputs) produce.
// Decides which ops share one C function; nothing about how that function computes them.

/// One fused node: the primitive ops computed by one function of the generated program.
public struct FusedNode: Sendable {
  public enum Body: Sendable {
    /// DAB → binary conv → BatchNorm, plus the bypass of the DAB's input when present.
    case binaryConv(FusedBinaryConv)
    /// One primitive op on its own.
    case primitive(ValueID)
  }

  /// The module path the node comes from, for listings, traces and messages.
  public var name: String
  public var body: Body
  /// Values read from outside the node, in the order its function takes them.
  public var inputs: [ValueID]
  /// The value the node produces.
  public var output: ValueID
  /// The primitive nodes it computes, in graph order (the interpreter's view of it).
  public var ops: [ValueID]
  /// Ops applied to each result before it is stored: elementwise ones (LearnableBias, PReLU,
  /// ...) and, after a token layer, the Add of a residual read from another input.
  public var epilogue: [ValueID]
  /// The node also writes, after its output, the per-channel sums of that output: the first
  /// statistic of the DABs that read it.
  public var producesChannelSums = false
  /// The node's DAB takes its channel means from the sums its producer wrote, instead of
  /// reading the whole input once more.
  public var readsChannelSums = false

  /// The op that gives the node its kind: the convolution of a fused BiDense layer, or the
  /// lone primitive.
  public var principalOp: ValueID {
    switch body {
    case .binaryConv(let fused): return fused.conv
    case .primitive(let id): return id
    }
  }
}

/// The parts of a fused BiDense convolution, by node.
public struct FusedBinaryConv: Sendable {
  /// Where the bypass reads the DAB's input from.
  public enum BypassSource: Sendable, Equatable {
    case input
    case avgPool(Window)
    case upsampleNearest(scale: Int)
  }

  public var binarize: ValueID
  public var conv: ValueID
  public var batchNorm: ValueID
  public var bypass: (node: ValueID, source: BypassSource)?
}

/// The fused graph: the primitive graph plus the fused nodes that compute it, in run order.
public struct Schedule: Sendable {
  public var graph: Graph
  public var nodes: [FusedNode]

  /// The index of the fused node that produces each value; graph inputs have none.
  public func producers() -> [ValueID: Int] {
    var result: [ValueID: Int] = [:]
    for (index, node) in nodes.enumerated() { result[node.output] = index }
    return result
  }

  /// What was fused into node `index`, as `FusedBiDenseConv2d+Bypass+PReLU`.
  public func kindName(_ index: Int) -> String {
    let node = nodes[index]
    let tail = node.epilogue.map { id -> String in
      if case .add = graph[id].op { return "+Residual" }
      return "+" + graph[id].op.kindName
    }.joined()
    switch node.body {
    case .binaryConv(let fused):
      var name =
        "Fused" + graph[fused.conv].op.kindName.replacingOccurrences(of: "Binary", with: "BiDense")
      switch fused.bypass?.source {
      case nil: break
      case .input: name += "+Bypass"
      case .avgPool: name += "+PooledBypass"
      case .upsampleNearest: name += "+UpsampledBypass"
      }
      return name + tail
    case .primitive(let id):
      return graph[id].op.kindName + tail
    }
  }

  /// Multiply-accumulates of node `index`'s convolution, 0 for a node without one.
  public func multiplyAccumulates(_ index: Int) -> Int {
    let id = nodes[index].principalOp
    guard let conv = graph[id].op.convolution else { return 0 }
    return conv.multiplyAccumulates(
      input: graph[graph[id].inputs[0]].shape, output: graph[id].shape)
  }
}

/// Groups primitive nodes into fused nodes: each DAB with the binary convolution, BatchNorm and
/// bypass that follow it; every other op alone; trailing elementwise ops into the epilogue
/// of the node that produces their input.
public enum Fusion {
  public static func fuse(_ graph: Graph) -> Schedule {
    let consumers = graph.consumers()
    let outputs = Set(graph.outputs)
    var covered = Set<ValueID>()
    var fused: [FusedNode] = []

    /// The single consumer of `id`, when it has exactly one and is not a graph output.
    func soleConsumer(_ id: ValueID) -> ValueID? {
      guard !outputs.contains(id), consumers[id].count == 1 else { return nil }
      let consumer = consumers[id][0]
      return graph[consumer].inputs.filter { $0 == id }.count == 1 ? consumer : nil
    }

    /// Absorbs the chain of elementwise ops that follow `output` into an epilogue; with
    /// `residuals`, also an Add of another value (read element by element) and the elementwise
    /// ops after it. Returns the chain and the other values the Adds read.
    func epilogue(after output: ValueID, residuals: Bool = false) -> (
      chain: [ValueID], reads: [ValueID]
    ) {
      var chain: [ValueID] = []
      var reads: [ValueID] = []
      var last = output
      while let next = soleConsumer(last) {
        if graph[next].op.elementwise != nil {
          chain.append(next)
        } else if residuals, case .add = graph[next].op, graph[next].inputs.count == 2,
          let other = graph[next].inputs.first(where: { $0 != last })
        {
          chain.append(next)
          reads.append(other)
        } else {
          break
        }
        last = next
      }
      return (chain, reads)
    }

    for (id, node) in graph.nodes.enumerated() where !covered.contains(id) {
      if case .input = node.op { continue }
      if case .binarize = node.op, let conv = matchBinaryConv(graph, at: id, soleConsumer) {
        var ops = [conv.binarize, conv.conv, conv.batchNorm]
        var output = conv.batchNorm
        if let bypass = conv.bypass {
          let source = graph[bypass.node].inputs[0]
          if source != node.inputs[0] { ops.append(source) }
          ops.append(bypass.node)
          output = soleConsumer(conv.batchNorm)!
          ops.append(output)
        }
        let tail = epilogue(after: output).chain
        ops += tail
        covered.formUnion(ops)
        fused.append(
          FusedNode(
            name: moduleName(graph[conv.conv].name), body: .binaryConv(conv),
            inputs: [node.inputs[0]], output: tail.last ?? output, ops: ops.sorted(),
            epilogue: tail))
        continue
      }
      let (tail, reads) = epilogue(after: id, residuals: takesResiduals(node.op))
      covered.insert(id)
      covered.formUnion(tail)
      fused.append(
        FusedNode(
          name: node.name, body: .primitive(id), inputs: node.inputs + reads,
          output: tail.last ?? id, ops: [id] + tail, epilogue: tail))
    }
    // A node runs once everything it reads exists: order by output position, which follows
    // every input because the graph is topologically ordered.
    fused.sort { $0.output < $1.output }
    return Schedule(graph: graph, nodes: fused)
  }

  /// The token layers whose store adds a residual: a ViT block's projections end in
  /// `x + LayerScale(proj(...))`, the readout in `LayerNorm(...) + bypass`.
  static func takesResiduals(_ op: Op) -> Bool {
    switch op {
    case .binaryLinear, .layerNorm: return true
    case .input, .binarize, .binaryConv, .conv, .channelBypass, .add, .concat, .avgPool,
      .adaptiveAvgPool, .resizeBilinear, .upsampleNearest, .elementwise, .attention,
      .imageToTokens, .tokensToImage, .prependToken, .addConstant, .sliceTokens,
      .appendTokenToRows, .channelBypass1D, .resizeAntialiased:
      return false
    }
  }

  /// The module that a primitive node belongs to: `stages.0.0.pwconv1.conv` → `stages.0.0.pwconv1`.
  static func moduleName(_ convNode: String) -> String {
    for suffix in [".conv_transpose", ".conv"] where convNode.hasSuffix(suffix) {
      return String(convNode.dropLast(suffix.count))
    }
    return convNode
  }

  /// DAB(x) → BinaryConv → BatchNorm [→ Add(·, Bypass(x | AvgPool(x) | Upsample(x)))].
  static func matchBinaryConv(
    _ graph: Graph, at binarize: ValueID, _ soleConsumer: (ValueID) -> ValueID?
  ) -> FusedBinaryConv? {
    guard let conv = soleConsumer(binarize), case .binaryConv = graph[conv].op,
      let bn = soleConsumer(conv), case .elementwise(.batchNorm) = graph[bn].op
    else { return nil }
    var fused = FusedBinaryConv(binarize: binarize, conv: conv, batchNorm: bn, bypass: nil)
    let x = graph[binarize].inputs[0]
    guard let add = soleConsumer(bn), case .add = graph[add].op else { return fused }
    let other = graph[add].inputs.first { $0 != bn } ?? bn
    guard other != bn, soleConsumer(other) == add, case .channelBypass = graph[other].op
    else { return fused }
    let source = graph[other].inputs[0]
    if source == x {
      fused.bypass = (other, .input)
    } else if graph[source].inputs.first == x, soleConsumer(source) == other {
      if case .avgPool(let window) = graph[source].op {
        fused.bypass = (other, .avgPool(window))
      } else if case .upsampleNearest(let scale) = graph[source].op {
        fused.bypass = (other, .upsampleNearest(scale: scale))
      }
    }
    return fused
  }
}
