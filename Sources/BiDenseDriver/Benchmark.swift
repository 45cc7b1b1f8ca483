import BiDenseCodegen
import BiDenseFrontend
import BiDenseIR
import BiDensePasses
import BiDenseReference
import BiDenseTemplates
import Foundation

/// Times the generated C against the float32 baseline of the same network: both are compiled
/// with the same compiler and flags and run in one invocation, each node timed through the
/// trace hook, and the medians compared.
public struct Benchmark {
  public struct Options: Sendable {
    public var target = Target.host
    /// Replaces the target's compiler, as `--cc` does.
    public var compiler: String?
    /// Replaces the target's optimisation flags, as `--cflags` does.
    public var flags = ["-O3"]
    /// Timed runs per variant, after one untimed warm-up run.
    public var runs = 5
    public var timeout: TimeInterval = 1800

    public init() {}
  }

  /// What the figures count: wall time on a host (or under a user-mode emulator), or the
  /// emulator's instruction count on a bare-metal board.
  public enum Unit: Sendable {
    case nanoseconds
    case instructions
  }

  /// Median figures of one fused node, in the report's unit.
  public struct Node: Sendable {
    public var index: Int
    public var name: String
    public var kind: String
    /// The kernel that computes the node in the measured C.
    public var kernel: KernelKind
    public var multiplyAccumulates: Int
    public var median: Double
    public var baselineMedian: Double

    /// How many times faster than the baseline.
    public var speedup: Double { baselineMedian / max(median, 1) }
    /// Multiply-accumulates per unit: per nanosecond (GMAC/s) or per instruction.
    public var macsPerUnit: Double { Double(multiplyAccumulates) / max(median, 1) }
  }

  public struct Report: Sendable {
    public var nodes: [Node]
    public var total: Double
    public var baselineTotal: Double
    public var compileCommand: String
    public var runs: Int
    public var unit: Unit
    /// Whether the figures come from an emulator rather than the hardware.
    public var emulated: Bool
    public var speedup: Double { baselineTotal / max(total, 1) }
  }

  public let model: CompiledModel
  public let baseline: CompiledModel
  public let options: Options

  /// `model` is benchmarked against `baseline`, which must have the same schedule.
  public init(model: CompiledModel, baseline: CompiledModel, options: Options) {
    self.model = model
    self.baseline = baseline
    self.options = options
  }

  public func run(progress: (String) -> Void = { _ in }) throws -> Report {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("bidensec-bench-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let target = options.target
    var command: [String] = []
    var timings: [[(nodes: [Double], total: Double)]] = []
    for (variant, compiled) in [("generated", model), ("float32 baseline", baseline)] {
      let folder = directory.appendingPathComponent(variant == "generated" ? "model" : "baseline")
      progress("compiling the \(variant) C for \(target.name)")
      // One untimed warm-up run first, then the timed ones.
      let program = try TargetProgram.build(
        compiled, for: target, in: folder, compiler: options.compiler,
        optimization: options.flags, trace: true,
        bench: ["nodes": "\(compiled.schedule.nodes.count)", "runs": "\(options.runs + 1)"],
        timeout: options.timeout)
      command = program.compileCommand
      progress("running the \(variant) C \(options.runs + 1) times")
      let output = try program.execute(
        target.harness == .hosted ? ["\(options.runs + 1)"] : [], timeout: options.timeout)
      let scale = Double(target.memory?.instructionsPerTick ?? 1)
      let runs = try Self.parse(output, nodes: compiled.schedule.nodes.count)
      timings.append(
        runs.dropFirst().map { run in (run.nodes.map { $0 * scale }, run.total * scale) })
    }
    let (measured, reference) = (timings[0], timings[1])
    let nodes = model.nodes.map { kernel in
      Node(
        index: kernel.index, name: kernel.name, kind: kernel.kind, kernel: kernel.kernel,
        multiplyAccumulates: kernel.multiplyAccumulates,
        median: Self.median(measured.map { $0.nodes[kernel.index] }),
        baselineMedian: Self.median(reference.map { $0.nodes[kernel.index] }))
    }
    return Report(
      nodes: nodes, total: Self.median(measured.map(\.total)),
      baselineTotal: Self.median(reference.map(\.total)),
      compileCommand: Shell.quoted(command), runs: options.runs,
      unit: target.memory == nil ? .nanoseconds : .instructions,
      emulated: target.runner != .native)
  }

  /// Reads the harness's "run R node I NS" and "run R total NS" lines, a run at a time.
  static func parse(_ output: String, nodes: Int) throws -> [(nodes: [Double], total: Double)] {
    var runs: [Int: (nodes: [Double], total: Double)] = [:]
    for line in output.split(separator: "\n") {
      let words = line.split(separator: " ")
      guard words.count >= 4, words[0] == "run", let run = Int(words[1]) else { continue }
      var entry = runs[run] ?? (nodes: [Double](repeating: 0, count: nodes), total: 0)
      if words[2] == "node", let index = Int(words[3]), index >= 0, index < nodes,
        words.count == 5, let ns = Double(words[4])
      {
        entry.nodes[index] = ns
      } else if words[2] == "total", let ns = Double(words[3]) {
        entry.total = ns
      }
      runs[run] = entry
    }
    guard !runs.isEmpty else {
      throw BiDenseError("the benchmark printed no timings:\n\(output.prefix(2000))")
    }
    return runs.keys.sorted().map { runs[$0]! }
  }

  static func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
  }
}
