import Foundation

/// `bidensec bench`: times the generated C node by node against the float32 baseline of the
/// same network, compiled with the same flags, in one invocation.
enum BenchCommand {
  static func run(_ words: [String], _ console: Console) throws -> Int32 {
    let args = try Arguments(
      words, valued: ["weights", "name", "cc", "cflags", "runs", "dab-scale"],
      switches: ["native", "quiet", "progress"])
    let loaded = try CommandLineTool.loadModel(args, console)
    let progress = CommandLineTool.progress(args, console, layers: loaded.graph.nodes.count)
    var options = Benchmark.Options()
    if let cc = args.values["cc"] { options.compiler = cc }
    if let flags = args.values["cflags"] {
      options.flags = flags.split(separator: " ").map(String.init)
    }
    if args.flags.contains("native") { options.flags.append("-march=native") }
    if let runs = try args.integer("runs") {
      guard runs >= 1 else { throw UsageError("--runs takes a count of at least 1, got \(runs)") }
      options.runs = runs
    }
    let prefix = args.values["name"] ?? loaded.graph.name
    var emit = EmitOptions(prefix: prefix, source: loaded.source)
    emit.dabScale = try CommandLineTool.dabScale(args)
    let model = try CompiledModel(loaded.graph, options: emit)
    emit.kernels = .float32Baseline
    emit.dabScale = .perChannel
    let baseline = try CompiledModel(loaded.graph, options: emit)
    progress.stage("generated C for \(model.schedule.kernels.count) fused nodes, and its baseline")
    let report = try Benchmark(model: model, baseline: baseline, options: options).run(
      progress: progress.stage)
    console.write(format(report, model, compilerVersion(options.compiler)))
    return 0
  }

  static func format(_ report: Benchmark.Report, _ model: CompiledModel, _ compiler: String)
    -> String
  {
    var out = "bench \(model.options.source): median of \(report.runs) runs, one thread\n"
    out += "machine: \(machineDescription())\ncompiler: \(compiler)\n"
    out += "command: \(report.compileCommand)\n"
    if model.options.dabScale == .perLayer {
      out += "approximation: --dab-scale=layer (one DAB scale per layer), not exact\n"
    }
    let pad = VerifyCommand.pad
    out += pad("node", 5) + pad("name", 34) + pad("kernel", 40) + pad("MMAC", 9)
    out += pad("ms", 10) + pad("baseline ms", 12) + pad("speedup", 9) + "GMAC/s\n"
    for node in report.nodes {
      out +=
        pad("\(node.index)", 5) + pad(printable(node.name), 34)
        + pad(node.variant.isEmpty ? node.kind : node.variant, 40)
      out += pad(
        node.multiplyAccumulates > 0 ? fixed(Double(node.multiplyAccumulates) / 1e6, 1) : "", 9)
      out += pad(fixed(node.nanoseconds / 1e6, 3), 10)
      out += pad(fixed(node.baselineNanoseconds / 1e6, 3), 12)
      out += pad(fixed(node.speedup, 2) + "x", 9)
      out += node.multiplyAccumulates > 0 ? fixed(node.gigaMACsPerSecond, 1) + "\n" : "\n"
    }
    let macs = Double(report.nodes.reduce(0) { $0 + $1.multiplyAccumulates })
    out += "total: \(fixed(report.nanoseconds / 1e6, 2)) ms against "
    out += "\(fixed(report.baselineNanoseconds / 1e6, 2)) ms for the float32 baseline: "
    out += "\(fixed(report.speedup, 2))x, \(fixed(macs / max(report.nanoseconds, 1), 1)) GMAC/s\n"
    for (title, marker) in families {
      let chosen = report.nodes.filter { $0.variant.contains(marker) }
      guard !chosen.isEmpty else { continue }
      let ns = chosen.reduce(0) { $0 + $1.nanoseconds }
      let base = chosen.reduce(0) { $0 + $1.baselineNanoseconds }
      out += "  \(title): \(fixed(ns / 1e6, 2)) ms against \(fixed(base / 1e6, 2)) ms: "
      out += "\(fixed(base / max(ns, 1), 2))x\n"
    }
    return out
  }

  /// Families of binary convolutions, told apart by their kernel variant.
  static let families = [
    ("depthwise binary convs", "depthwise"), ("dense binary 3x3 convs", "dense 3x3"),
    ("dense binary 2x2 convs", "dense 2x2"), ("binary 1x1 convs", "dense 1x1"),
    ("transposed binary convs", "transposed"), ("grouped binary convs", "grouped"),
    ("xnor-popcount convs", "xnor"),
  ]

  static func fixed(_ value: Double, _ digits: Int) -> String {
    String(format: "%.\(digits)f", value)
  }

  static func compilerVersion(_ compiler: String) -> String {
    guard let result = try? Shell.run([compiler, "--version"], timeout: 30), result.status == 0
    else { return compiler }
    return result.output.split(separator: "\n").first.map(String.init) ?? compiler
  }

  static func machineDescription() -> String {
    let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let model = info.split(separator: "\n").first { $0.hasPrefix("model name") }
      .map { $0.split(separator: ":", maxSplits: 1).last!.trimmingCharacters(in: .whitespaces) }
    let flags = info.split(separator: "\n").first { $0.hasPrefix("flags") } ?? ""
    let vector = ["avx512f", "avx2", "neon", "asimd"].first { flags.contains(" \($0)") }
    var text = model ?? ProcessInfo.processInfo.hostName
    if let vector { text += " (\(vector))" }
    return text + ", \(ProcessInfo.processInfo.activeProcessorCount) cores"
  }
}
