import BiDenseCodegen
import BiDenseIR
import BiDensePasses
import Foundation

/// How to compile a model.
public struct CompileOptions: Sendable {
  /// The C prefix (made a valid identifier).
  public var prefix: String
  /// Where the model came from, for the generated files' headers.
  public var source: String
  /// The word size and kernel set the kernels are lowered for.
  public var kernels: KernelTarget
  /// The DAB's scale: exact per input channel, or the `--dab-scale=layer` approximation.
  public var dabScale: DABScale = .perChannel
  /// The work the model may ask for; the workspace is checked once it is planned.
  public var limits = WorkLimits.default

  public init(prefix: String, source: String, kernels: KernelTarget = KernelTarget()) {
    self.prefix = prefix
    self.source = source
    self.kernels = kernels
  }
}

/// How the DAB scale enters the binary convolutions.
public enum DABScale: String, Sendable {
  /// Exact: one scale per input channel, inside the channel sum (docs/SEMANTICS.md, "DAB").
  case perChannel = "channel"
  /// Approximate: the channel scales averaged into one per layer, which leaves a pure
  /// xnor-popcount; `verify` reports the error this makes.
  case perLayer = "layer"
}

/// A model through the whole pipeline, every stage's result kept for reports and checks:
///
///     read (the frontends) → approximate (optional) → fuse → share statistics
///       → lower to kernels → pack weights → plan memory → emit C
public struct CompiledModel: Sendable {
  /// The graph the C computes: the model's, or its approximation when one was asked for.
  public var graph: Graph
  /// The model's own graph, exact.
  public var exactGraph: Graph
  public var options: CompileOptions
  public var schedule: Schedule
  public var lowered: LoweredModel
  public var weights: PackedWeights
  public var plan: MemoryPlan
  public var generated: GeneratedC

  public init(_ graph: Graph, options: CompileOptions) throws {
    exactGraph = graph
    self.options = options
    self.graph = options.dabScale == .perLayer ? LayerScaleApproximation.apply(graph) : graph
    schedule = StatisticsFusion.shareChannelMeans(Fusion.fuse(self.graph))
    lowered = try KernelLowering.lower(schedule, for: options.kernels)
    weights = WeightPacking.pack(lowered)
    plan = try MemoryPlan(lowered)
    guard plan.workspaceBytes <= options.limits.maxWorkspaceBytes else {
      throw BiDenseError(
        "the planned workspace takes \(plan.workspaceBytes) bytes, over the limit of "
          + "\(options.limits.maxWorkspaceBytes) (--max-workspace-bytes raises it)")
    }
    generated = try CEmitter.emit(
      lowered, weights, plan,
      EmitOptions(
        prefix: options.prefix, source: options.source,
        approximation: options.dabScale == .perLayer
          ? "(--dab-scale=layer): one DAB scale per layer in the dense convolutions." : nil))
  }

  /// What was fused into node `index`, with `+Sign` where it keeps only its output's ternary
  /// signs (the sign of the readers fused into its store).
  public func kindName(_ index: Int) -> String {
    schedule.kindName(index) + (lowered.kernels[index].output.ternary != nil ? "+Sign" : "")
  }

  /// Whether some node keeps only its output's ternary signs (traced with
  /// `-D<PREFIX>_TRACE_SIGNS`).
  public var tracesSigns: Bool { lowered.kernels.contains { $0.output.ternary != nil } }

  /// Whether the C computes an approximation of the model rather than the model.
  public var isApproximate: Bool { options.dabScale != .perChannel }

  /// Writes the generated files into `directory`, creating it.
  public func write(to directory: URL) throws {
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      for file in generated.files {
        try Data(file.contents.utf8).write(to: directory.appendingPathComponent(file.name))
      }
    } catch let error as BiDenseError {
      throw error
    } catch {
      throw BiDenseError(
        file: directory.path, "cannot write the generated C: \(error.localizedDescription)")
    }
  }

  /// What each fused node is, where it lives and what it costs, for reports.
  public var nodes: [NodeReport] {
    lowered.kernels.enumerated().map { index, kernel in
      let node = kernel.node
      let shape = graph[node.output].shape
      return NodeReport(
        index: index, name: node.name, kind: kindName(index), kernel: kernel.kind,
        function: generated.functions[index], shape: shape,
        location: plan.locations[node.output]!, outputBytes: kernel.outputBytes(shape),
        scratchBytes: kernel.scratchBytes, flashBytes: weights.flashBytes[index],
        float32Bytes: 4 * node.ops.reduce(0) { $0 + graph[$1].op.parameterCount },
        multiplyAccumulates: schedule.multiplyAccumulates(index),
        ops: node.ops.map { graph[$0].name })
    }
  }
}

/// One fused node in the reports of inspect, verify and bench.
public struct NodeReport: Sendable {
  public var index: Int
  public var name: String
  /// What was fused: `FusedBiDenseConv2d+Bypass+PReLU`.
  public var kind: String
  /// The kernel that computes it on the target.
  public var kernel: KernelKind
  public var function: String
  public var shape: TensorShape
  public var location: ValueLocation
  public var outputBytes: Int
  public var scratchBytes: Int
  /// Bytes the node adds to the weights file (shared arrays count once, at first use).
  public var flashBytes: Int
  /// What the same parameters take as float32.
  public var float32Bytes: Int
  /// Multiply-accumulates of the node's convolution, 0 for other nodes.
  public var multiplyAccumulates: Int
  /// The primitive ops it computes.
  public var ops: [String]
}
