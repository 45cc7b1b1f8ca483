import BiDenseIR
import BiDensePasses
import BiDenseTemplates
import Foundation

/// What one kernel's emitter returns: the C functions and the scratch bytes they need.
struct KernelCode {
  var text: String
  var scratchBytes: Int
  /// Which kernel variant the emitter chose, for reports (`LUT-4 dense 3x3`); empty when
  /// the op has one.
  var variant = ""
}

/// Shared state while emitting one model's kernels.
struct EmitContext {
  let graph: Graph
  let kernels: KernelSet
  let wordBits: Int
  var pool: ConstantPool
  /// Set by a kernel that calls the model's compensated-sum helpers.
  var usesCompensatedSums = false

  /// Independent compensated-sum lanes. A Kahan step is a chain of four dependent adds, so
  /// 64-bit hosts take four vector registers of lanes to hide its latency; 32-bit cores, with
  /// neither vectors nor RAM to spare, take eight.
  var compensatedLanes: Int { wordBits >= 64 ? 32 : 8 }
  /// The C function of the kernel being emitted.
  var functionName = ""
  /// The prefix of the kernel's parameter arrays (`k3`).
  var symbolBase = ""
}

/// The three files of a generated model and what the compiler learned making them.
public struct GeneratedC: Sendable {
  public struct File: Sendable {
    public var name: String
    public var contents: String
  }

  /// One line of the per-node report.
  public struct KernelReport: Sendable {
    public var index: Int
    public var name: String
    public var kind: String
    /// The kernel variant chosen for the node (`LUT-4 dense 3x3`), or empty.
    public var variant: String
    public var function: String
    public var shape: TensorShape
    /// Where the output lives: "input", "output" or a workspace offset.
    public var location: String
    public var outputBytes: Int
    public var scratchBytes: Int
    /// Bytes this kernel adds to the weights file (shared arrays count once, at first use).
    public var flashBytes: Int
    /// What the same parameters take as float32.
    public var float32Bytes: Int
    /// Multiply-accumulates of the node's convolution, 0 for other nodes.
    public var multiplyAccumulates: Int
    public var nodes: [String]
  }

  public var prefix: String
  public var files: [File]
  public var plan: MemoryPlan
  public var kernels: [KernelReport]
  public var weightBytes: Int
  public var inputSize: Int
  public var outputSize: Int
}

/// Which code computes the binary convolutions.
public enum KernelSet: String, Sendable {
  /// Exact, bit-packed kernels: the product.
  case exact
  /// Float32 convolutions with ±a weights (im2col + sgemm): the baseline `bench` compares to.
  case float32Baseline
}

public struct EmitOptions: Sendable {
  /// The C prefix: `prefix_run`, `PREFIX_INPUT_SIZE`, `prefix.h`.
  public var prefix: String
  /// Where the model came from, for the file headers.
  public var source: String
  public var kernels: KernelSet
  /// The DAB's scale: exact per input channel, or the `--dab-scale=layer` approximation.
  public var dabScale: DABScale = .perChannel
  /// The machine word for packed bits: 64 on 64-bit hosts, 32 on Cortex-M.
  public var wordBits: Int

  public init(prefix: String, source: String, kernels: KernelSet = .exact, wordBits: Int = 64) {
    self.prefix = CText.identifier(prefix)
    self.source = source
    self.kernels = kernels
    self.wordBits = wordBits
  }
}

/// How the DAB scale enters the binary convolutions.
public enum DABScale: String, Sendable {
  /// Exact: one scale per input channel, inside the channel sum (SPEC.md).
  case perChannel = "channel"
  /// Approximate: the channel scales averaged into one per layer, which leaves a pure
  /// xnor-popcount; `verify` reports the error this makes.
  case perLayer = "layer"
}

/// Turns a schedule into C: one specialised function per kernel, `prefix_run` calling them in
/// order on a planned workspace, and the weights as const arrays in a file of their own.
public enum CEmitter {
  public static func emit(_ schedule: Schedule, _ options: EmitOptions) throws -> GeneratedC {
    let graph = schedule.graph
    let prefix = options.prefix
    let upper = prefix.uppercased()
    var context = EmitContext(
      graph: graph, kernels: options.kernels,
      wordBits: options.wordBits, pool: ConstantPool(prefix: prefix))
    var functions: [String] = []
    var codes: [KernelCode] = []
    var flash: [Int] = []
    for (index, kernel) in schedule.kernels.enumerated() {
      context.functionName = "\(prefix)_k\(index)_\(CText.identifier(kernel.name))"
      context.symbolBase = "k\(index)"
      let before = context.pool.bytes
      let code: KernelCode
      do {
        code = try emitKernel(kernel, &context)
      } catch let error as BiDenseError {
        throw error.atNode(kernel.name)
      }
      flash.append(context.pool.bytes - before)
      codes.append(code)
      functions.append(code.text)
    }
    let plan = MemoryPlan(schedule, scratchBytes: codes.map(\.scratchBytes))

    // Where each value lives: the caller's input and output buffers, or the workspace.
    var location: [ValueID: (expression: String, description: String)] = [:]
    var offset = 0
    for id in graph.inputs {
      location[id] = ("input + \(offset)", "input+\(offset)")
      offset += graph[id].shape.count
    }
    let inputSize = offset
    offset = 0
    for id in graph.outputs {
      guard location[id] == nil else {
        throw BiDenseError(
          node: graph[id].name, "a model output that is also a model input is not supported")
      }
      location[id] = ("output + \(offset)", "output+\(offset)")
      offset += graph[id].shape.count
    }
    let outputSize = offset
    for buffer in plan.buffers {
      if case .value(let id) = buffer.owner {
        location[id] = ("(float *)(void *)(ws + \(buffer.offset))", "workspace+\(buffer.offset)")
      }
    }

    var calls = ""
    var reports: [GeneratedC.KernelReport] = []
    for (index, kernel) in schedule.kernels.enumerated() {
      let scratch = plan.offset(of: .scratch(kernel: index)).map { "ws + \($0)" } ?? "ws"
      var arguments = kernel.inputs.map { location[$0]!.expression }
      arguments.append(location[kernel.output]!.expression)
      arguments.append(scratch)
      let function = "\(prefix)_k\(index)_\(CText.identifier(kernel.name))"
      let shape = graph[kernel.output].shape
      calls += "    \(function)(\(arguments.joined(separator: ", ")));\n"
      calls += "    \(upper)_TRACE_NODE(\(index), \(CText.stringLiteral(kernel.name)), "
      calls += "\(location[kernel.output]!.expression), \(shape.count));\n"
      let parameters = kernel.nodes.reduce(0) { $0 + graph[$1].op.parameterCount }
      reports.append(
        GeneratedC.KernelReport(
          index: index, name: kernel.name, kind: kindName(kernel, graph),
          variant: codes[index].variant, function: function,
          shape: shape, location: location[kernel.output]!.description,
          outputBytes: 4 * shape.count, scratchBytes: codes[index].scratchBytes,
          flashBytes: flash[index], float32Bytes: 4 * parameters,
          multiplyAccumulates: multiplyAccumulates(kernel, graph),
          nodes: kernel.nodes.map { graph[$0].name }))
    }

    let inputShapes = graph.inputs.map { graph[$0].shape.description }.joined(separator: " + ")
    let outputShapes = graph.outputs.map { graph[$0].shape.description }.joined(separator: " + ")
    let summary =
      "\(schedule.kernels.count) fused nodes, \(graph.parameterCount) parameters in "
      + "\(context.pool.bytes) bytes of weights, \(plan.workspaceBytes) bytes of workspace."
      + (options.dabScale == .perLayer
        ? "\n * APPROXIMATE (--dab-scale=layer): one DAB scale per layer in the dense convolutions."
        : "")
    let common: [String: String] = [
      "prefix": prefix, "PREFIX": upper, "source": CText.comment(options.source),
      "summary": summary,
    ]
    let header = try Template("model.h").render(
      common.merging([
        "inputShapes": inputShapes, "outputShapes": outputShapes, "inputSize": "\(inputSize)",
        "outputSize": "\(outputSize)",
        "workspaceBytes": "\(max(plan.workspaceBytes, MemoryPlan.alignment))",
        "workspaceAlign": "8",
      ]) { $1 })
    let source = try Template("model.c").render(
      common.merging([
        "declarations": context.pool.declarations(),
        "kernels": try helpers(context) + functions.joined(separator: "\n"),
        "calls": calls,
      ]) { $1 })
    let weights = try Template("weights.c").render(
      common.merging([
        "weightBytes": "\(context.pool.bytes)",
        "definitions": context.pool.definitions(attribute: "\(upper)_WEIGHTS_ATTR"),
      ]) { $1 })
    return GeneratedC(
      prefix: prefix,
      files: [
        GeneratedC.File(name: "\(prefix).h", contents: header),
        GeneratedC.File(name: "\(prefix).c", contents: source),
        GeneratedC.File(name: "\(prefix)_weights.c", contents: weights),
      ],
      plan: plan, kernels: reports, weightBytes: context.pool.bytes, inputSize: inputSize,
      outputSize: outputSize)
  }

  /// Functions the kernels share, emitted once when used.
  static func helpers(_ context: EmitContext) throws -> String {
    guard context.usesCompensatedSums else { return "" }
    return try Template("kernels/compensated_sum.c").render([
      "prefix": context.pool.prefix, "lanes": "\(context.compensatedLanes)",
    ]) + "\n"
  }

  static func emitKernel(_ kernel: Kernel, _ context: inout EmitContext) throws -> KernelCode {
    switch kernel.body {
    case .binaryConv(let fused):
      return try BinaryConvEmitter.emit(kernel, fused, &context)
    case .primitive(let id):
      let node = context.graph[id]
      switch node.op {
      case .add: return try ElementwiseEmitter.add(kernel, &context)
      case .concat: return try ElementwiseEmitter.concat(kernel, node, &context)
      case .channelBypass: return try ElementwiseEmitter.channelBypass(kernel, node, &context)
      case .learnableBias, .prelu, .relu, .sigmoid, .multiply, .batchNorm:
        return try ElementwiseEmitter.elementwise(kernel, id, &context)
      case .avgPool(let window): return try PoolingEmitter.avgPool(kernel, node, window, &context)
      case .adaptiveAvgPool: return try PoolingEmitter.adaptiveAvgPool(kernel, node, &context)
      case .resizeBilinear: return try ResizeEmitter.bilinear(kernel, node, &context)
      case .upsampleNearest(let scale):
        return try ResizeEmitter.nearest(kernel, node, scale: scale, &context)
      case .conv(let conv): return try FloatConvEmitter.emit(kernel, node, conv, &context)
      case .input, .binarize, .binaryConv:
        // The frontends always put a DAB right before its binary convolution.
        throw BiDenseError(
          node: node.name,
          "\(node.op.kindName) outside a fused BiDense convolution is not supported")
      }
    }
  }

  static func multiplyAccumulates(_ kernel: Kernel, _ graph: Graph) -> Int {
    let id: ValueID
    switch kernel.body {
    case .binaryConv(let fused): id = fused.conv
    case .primitive(let node): id = node
    }
    switch graph[id].op {
    case .binaryConv(let conv), .conv(let conv):
      return conv.multiplyAccumulates(
        input: graph[graph[id].inputs[0]].shape, output: graph[id].shape)
    default: return 0
    }
  }

  static func kindName(_ kernel: Kernel, _ graph: Graph) -> String {
    switch kernel.body {
    case .binaryConv(let fused):
      var name =
        "Fused" + graph[fused.conv].op.kindName.replacingOccurrences(of: "Binary", with: "BiDense")
      if let bypass = fused.bypass {
        switch bypass.source {
        case .input: name += "+Bypass"
        case .avgPool: name += "+PooledBypass"
        case .upsampleNearest: name += "+UpsampledBypass"
        }
      }
      return name + kernel.epilogue.map { "+" + graph[$0].op.kindName }.joined()
    case .primitive(let id):
      return graph[id].op.kindName + kernel.epilogue.map { "+" + graph[$0].op.kindName }.joined()
    }
  }
}
