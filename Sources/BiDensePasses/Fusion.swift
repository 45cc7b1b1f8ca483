import BiDenseIR

/// A unit of generated code: one C function computing one value of the graph from values
/// that other kernels (or the graph's inputs) produce.
public struct Kernel: Sendable {
  public enum Body: Sendable {
    /// DAB → binary conv → BatchNorm, plus the bypass of the DAB's input when present.
    case binaryConv(FusedBinaryConv)
    /// One primitive op on its own.
    case primitive(ValueID)
  }

  /// The module path the kernel comes from, for listings, traces and messages.
  public var name: String
  public var body: Body
  /// Values read from outside the kernel, in the order the C function takes them.
  public var inputs: [ValueID]
  /// The value the kernel produces.
  public var output: ValueID
  /// The primitive nodes the kernel computes, in graph order (the interpreter's view of it).
  public var nodes: [ValueID]
  /// Elementwise ops applied to each result before it is stored (LearnableBias, PReLU, ...).
  public var epilogue: [ValueID]
  /// The kernel also writes, after its output, the per-channel sums of that output: the first
  /// statistic of the DABs that read it.
  public var producesChannelSums = false
  /// The kernel's DAB takes its channel means from the sums its producer wrote, instead of
  /// reading the whole input once more.
  public var readsChannelSums = false
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

/// The fused graph: the primitive graph plus the kernels that compute it, in run order.
public struct Schedule: Sendable {
  public var graph: Graph
  public var kernels: [Kernel]

  /// The index of the kernel that produces each value, nil for graph inputs.
  public func producers() -> [ValueID: Int] {
    var result: [ValueID: Int] = [:]
    for (index, kernel) in kernels.enumerated() { result[kernel.output] = index }
    return result
  }
}

/// Groups primitive nodes into kernels: each DAB with the binary convolution, BatchNorm and
/// bypass that follow it; every other op alone; trailing elementwise ops into the epilogue
/// of the kernel that produces their input.
public enum Fusion {
  public static func fuse(_ graph: Graph) -> Schedule {
    let consumers = graph.consumers()
    let outputs = Set(graph.outputs)
    var covered = Set<ValueID>()
    var kernels: [Kernel] = []

    /// The single consumer of `id`, when it has exactly one and is not a graph output.
    func soleConsumer(_ id: ValueID) -> ValueID? {
      guard !outputs.contains(id), consumers[id].count == 1 else { return nil }
      let consumer = consumers[id][0]
      return graph[consumer].inputs.filter { $0 == id }.count == 1 ? consumer : nil
    }

    /// Absorbs the chain of elementwise ops that follow `output` into an epilogue.
    func epilogue(after output: ValueID) -> [ValueID] {
      var chain: [ValueID] = []
      var last = output
      while let next = soleConsumer(last), graph[next].op.isElementwiseUnary {
        chain.append(next)
        last = next
      }
      return chain
    }

    for (id, node) in graph.nodes.enumerated() where !covered.contains(id) {
      if case .input = node.op { continue }
      if case .binarize = node.op, let fused = matchBinaryConv(graph, at: id, soleConsumer) {
        var nodes = [fused.binarize, fused.conv, fused.batchNorm]
        var output = fused.batchNorm
        if let bypass = fused.bypass {
          let source = graph[bypass.node].inputs[0]
          if source != node.inputs[0] { nodes.append(source) }
          nodes.append(bypass.node)
          output = soleConsumer(fused.batchNorm)!
          nodes.append(output)
        }
        let tail = epilogue(after: output)
        nodes += tail
        covered.formUnion(nodes)
        kernels.append(
          Kernel(
            name: moduleName(graph[fused.conv].name), body: .binaryConv(fused),
            inputs: [node.inputs[0]], output: tail.last ?? output, nodes: nodes.sorted(),
            epilogue: tail))
        continue
      }
      let tail = epilogue(after: id)
      covered.insert(id)
      covered.formUnion(tail)
      kernels.append(
        Kernel(
          name: node.name, body: .primitive(id), inputs: node.inputs, output: tail.last ?? id,
          nodes: [id] + tail, epilogue: tail))
    }
    // A kernel runs once everything it reads exists: order by output position, which follows
    // every input because the graph is topologically ordered.
    kernels.sort { $0.output < $1.output }
    return Schedule(graph: graph, kernels: kernels)
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
      let bn = soleConsumer(conv), case .batchNorm = graph[bn].op
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
      switch graph[source].op {
      case .avgPool(let window): fused.bypass = (other, .avgPool(window))
      case .upsampleNearest(let scale): fused.bypass = (other, .upsampleNearest(scale: scale))
      default: break
      }
    }
    return fused
  }
}
