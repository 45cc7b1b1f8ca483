import Foundation

/// Times the generated C against the float32 baseline of the same network: both are compiled
/// with the same compiler and flags and run in one invocation, each node timed through the
/// trace hook, and the medians compared.
public struct Benchmark {
  public struct Options: Sendable {
    public var compiler = "cc"
    public var flags = ["-O3"]
    /// Timed runs per variant, after one untimed warm-up run.
    public var runs = 5
    public var timeout: TimeInterval = 1800

    public init() {}
  }

  /// Median wall times of one fused node, in nanoseconds.
  public struct Node: Sendable {
    public var index: Int
    public var name: String
    public var kind: String
    public var variant: String
    public var multiplyAccumulates: Int
    public var nanoseconds: Double
    public var baselineNanoseconds: Double

    /// How many times faster than the baseline.
    public var speedup: Double { baselineNanoseconds / max(nanoseconds, 1) }
    /// Multiply-accumulates per nanosecond.
    public var gigaMACsPerSecond: Double { Double(multiplyAccumulates) / max(nanoseconds, 1) }
  }

  public struct Report: Sendable {
    public var nodes: [Node]
    public var nanoseconds: Double
    public var baselineNanoseconds: Double
    public var compileCommand: String
    public var runs: Int
    public var speedup: Double { baselineNanoseconds / max(nanoseconds, 1) }
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
    var command: [String] = []
    var timings: [[(nodes: [Double], total: Double)]] = []
    for (variant, compiled) in [("generated", model), ("float32 baseline", baseline)] {
      let folder = directory.appendingPathComponent(variant == "generated" ? "model" : "baseline")
      command = try build(compiled, in: folder, progress: { progress("\($0) (\(variant))") })
      progress("running the \(variant) C \(options.runs + 1) times")
      let ran = try Shell.run(
        [folder.appendingPathComponent("bench").path, "\(options.runs + 1)"], in: folder,
        timeout: options.timeout)
      guard ran.status == 0, !ran.timedOut else {
        throw BiDenseError(
          "the \(variant) benchmark failed (status \(ran.status)"
            + "\(ran.timedOut ? ", timed out" : "")):\n\(ran.output)")
      }
      timings.append(
        try Self.parse(ran.output, nodes: compiled.schedule.kernels.count).dropFirst().map { $0 })
    }
    let (measured, reference) = (timings[0], timings[1])
    let nodes = model.generated.kernels.map { kernel in
      Node(
        index: kernel.index, name: kernel.name, kind: kernel.kind, variant: kernel.variant,
        multiplyAccumulates: kernel.multiplyAccumulates,
        nanoseconds: Self.median(measured.map { $0.nodes[kernel.index] }),
        baselineNanoseconds: Self.median(reference.map { $0.nodes[kernel.index] }))
    }
    return Report(
      nodes: nodes, nanoseconds: Self.median(measured.map(\.total)),
      baselineNanoseconds: Self.median(reference.map(\.total)),
      compileCommand: Shell.quoted(command), runs: options.runs)
  }

  /// Writes `compiled` and the bench harness into `folder` and compiles them; returns the
  /// compiler command.
  func build(_ compiled: CompiledModel, in folder: URL, progress: (String) -> Void) throws
    -> [String]
  {
    try compiled.write(to: folder)
    let prefix = compiled.generated.prefix
    let harness = try Template("harness/bench_main.c").render([
      "prefix": prefix, "PREFIX": prefix.uppercased(),
      "nodes": "\(compiled.schedule.kernels.count)",
    ])
    try Data(harness.utf8).write(to: folder.appendingPathComponent("bench.c"))
    progress("compiling with \(options.compiler)")
    let command =
      [options.compiler, "-std=c99"] + options.flags + [
        "-D\(prefix.uppercased())_TRACE", "-o", "bench", "bench.c", "\(prefix).c",
        "\(prefix)_weights.c", "-lm",
      ]
    let compiledC = try Shell.run(command, in: folder, timeout: options.timeout)
    guard compiledC.status == 0, !compiledC.timedOut else {
      throw BiDenseError("the C compiler failed (\(Shell.quoted(command))):\n\(compiledC.output)")
    }
    return command
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
