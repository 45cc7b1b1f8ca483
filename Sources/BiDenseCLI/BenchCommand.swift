import BiDenseDriver
import BiDenseFrontend
import BiDenseIR
import BiDensePasses
import Foundation

/// `bidensec bench`: times the generated C node by node against the float32 baseline of the
/// same network, compiled with the same flags, in one invocation.
enum BenchCommand {
  static let command = Command(
    name: "bench",
    summary: "time the C node by node against a float32 build of the same network",
    operand: Command.model,
    options: [
      .weights,
      .name,
      .runs,
      .native,
      .target.withHelp(Option.target.help + "; Cortex-M counts instructions"),
      .cc,
      .cflags.withDefault(.described(Benchmark.Options().flags.joined(separator: " "))),
      .dabScale.withHelp("channel (exact) or layer (approximate); the baseline is exact"),
      .quiet,
      .progress,
    ] + Option.limits,
    run: run)

  static func run(_ args: Arguments, _ console: Console) throws -> Int32 {
    let loaded = try CommandLineTool.loadModel(args, console)
    let progress = CommandLineTool.progress(args, console, layers: loaded.graph.nodes.count)
    let target = try CommandLineTool.chosenTarget(args)
    var options = Benchmark.Options()
    options.target = target
    options.compiler = args.value(.cc)
    if let flags = CommandLineTool.cflags(args) { options.flags = flags }
    if let runs = try args.integer(.runs) { options.runs = runs }
    var compile = try CommandLineTool.compileOptions(args, loaded, target)
    if args.isGiven(.native), target.runner != .native {
      throw UsageError(
        "--native tunes for this machine; it does not go with --target \(target.name)")
    }
    let model = try CompiledModel(loaded.graph, options: compile)
    if args.isGiven(.native) {
      // The macros take the C prefix, which the generator made an identifier.
      options.flags += ["-march=native"] + hostVectorPath(prefix: model.generated.prefix)
    }
    compile.kernels.kernels = .float32Baseline
    compile.dabScale = .perChannel
    let baseline = try CompiledModel(loaded.graph, options: compile)
    progress.stage("generated C for \(model.schedule.nodes.count) fused nodes, and its baseline")
    let report = try Benchmark(model: model, baseline: baseline, options: options).run(
      progress: progress.stage)
    console.write(format(report, model, compilerVersion(options.compiler ?? target.compiler)))
    return 0
  }

  /// The widest vector path this machine runs, `-D<PREFIX>_AVX512` (which takes the AVX2
  /// path where it has no code of its own) or `-D<PREFIX>_AVX2`: `--native` means the fastest
  /// C it can run.
  static func hostVectorPath(prefix: String) -> [String] {
    if HostMachine.hasAVX512 { return ["-D\(prefix.uppercased())_AVX512"] }
    return HostMachine.hasAVX2 ? ["-D\(prefix.uppercased())_AVX2"] : []
  }

  static func format(_ report: Benchmark.Report, _ model: CompiledModel, _ compiler: String)
    -> String
  {
    let timed = report.unit == .nanoseconds
    var out = "bench \(model.options.source): median of \(report.runs) runs, one thread\n"
    out += "machine: \(HostMachine.description)\ncompiler: \(compiler)\n"
    out += "command: \(report.compileCommand)\n"
    if report.emulated {
      out +=
        timed
        ? "emulated: the times are the emulator's, not the target hardware's\n"
        : "emulated: instructions counted by QEMU -icount (not cycles)\n"
    }
    if model.isApproximate {
      out += "approximation: --dab-scale=layer (one DAB scale per layer), not exact\n"
    }
    let pad = VerifyCommand.pad
    let unit = timed ? "ms" : "M instr"
    out += pad("node", 5) + pad("name", 34) + pad("kernel", 40) + pad("MMAC", 9)
    out += pad(unit, 10) + pad("baseline \(unit)", 17) + pad("speedup", 9)
    out += timed ? "GMAC/s\n" : "MAC/instr\n"
    for node in report.nodes {
      out += pad("\(node.index)", 5) + pad(printable(node.name), 34)
      out += pad(node.kernel.description, 40)
      let macs = node.multiplyAccumulates
      out += pad(macs > 0 ? fixed(Double(macs) / 1e6, 1) : "", 9)
      out += pad(fixed(node.median / 1e6, 3), 10) + pad(fixed(node.baselineMedian / 1e6, 3), 17)
      out += pad(fixed(node.speedup, 2) + "x", 9)
      out += macs > 0 ? fixed(node.macsPerUnit, timed ? 1 : 2) + "\n" : "\n"
    }
    let macs = Double(report.nodes.reduce(0) { $0 + $1.multiplyAccumulates })
    out += "total: \(fixed(report.total / 1e6, 2)) \(unit) against "
    out += "\(fixed(report.baselineTotal / 1e6, 2)) \(unit) for the float32 baseline: "
    out += "\(fixed(report.speedup, 2))x, \(fixed(macs / max(report.total, 1), timed ? 1 : 2)) "
    out += timed ? "GMAC/s\n" : "MAC/instr\n"
    let families = Dictionary(grouping: report.nodes) { $0.kernel.family }
    for family in families.keys.sorted() {
      let chosen = families[family]!
      let measured = chosen.reduce(0) { $0 + $1.median }
      let base = chosen.reduce(0) { $0 + $1.baselineMedian }
      out += "  \(family): \(fixed(measured / 1e6, 2)) \(unit) against "
      out += "\(fixed(base / 1e6, 2)) \(unit): \(fixed(base / max(measured, 1), 2))x\n"
    }
    return out
  }

  static func fixed(_ value: Double, _ digits: Int) -> String {
    String(format: "%.\(digits)f", value)
  }

  static func compilerVersion(_ compiler: String) -> String {
    guard let result = try? Shell.run([compiler, "--version"], timeout: 30), result.status == 0
    else { return compiler }
    return result.output.split(separator: "\n").first.map(String.init) ?? compiler
  }
}
