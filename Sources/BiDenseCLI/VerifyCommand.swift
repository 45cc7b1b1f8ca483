import BiDenseDriver
import BiDenseFrontend
import BiDenseIR
import BiDensePasses
import Foundation

/// `bidensec verify`: compiles the generated C, runs it and compares it with the interpreter
/// node by node (teacher-forced) and end to end; exits 0 only on agreement.
enum VerifyCommand {
  static let command = Command(
    name: "verify",
    summary: "compile and run the C, and compare it node by node with the interpreter",
    operand: Command.model,
    options: [
      .weights,
      .name,
      .input,
      .expect,
      .seed,
      .target.withHelp(Option.target.help + "; verify runs the C there"),
      .cc,
      .cflags,
      .dabScale,
      .quiet.withHelp("print no progress lines (the report is always printed)"),
      .progress,
    ] + Option.limits,
    run: run)

  static func run(_ args: Arguments, _ console: Console) throws -> Int32 {
    let loaded = try CommandLineTool.loadModel(args, console)
    let progress = CommandLineTool.progress(args, console, layers: loaded.graph.nodes.count)
    progress.stage("read \(loaded.source): \(loaded.graph.nodes.count) primitive ops")
    let target = try CommandLineTool.chosenTarget(args)
    let model = try CompiledModel(
      loaded.graph, options: try CommandLineTool.compileOptions(args, loaded, target))
    progress.stage("generated C for \(model.schedule.nodes.count) fused nodes")
    var options = Verifier.Options()
    options.target = target
    options.compiler = args.value(.cc)
    options.flags = CommandLineTool.cflags(args)
    if let seed = try args.integer(.seed) { options.seed = UInt64(truncatingIfNeeded: seed) }
    if let input = args.value(.input) {
      options.input = try RawFloats.read(path: input)
      options.inputSource = input
    }
    if let expect = args.value(.expect) {
      options.expect = try inFile(expect) { try RawFloats.read(path: expect) }
    }
    let report: Verifier.Report
    do {
      report = try Verifier(model: model, options: options).run(progress: progress.stage)
    } catch let error as BiDenseError
      where args.isGiven(.expect) && error.message.contains("expected output")
    {
      throw error.inFile(args.value(.expect)!)
    }
    console.write(format(report, model, options))
    return report.passed ? 0 : 1
  }

  static func format(_ report: Verifier.Report, _ model: CompiledModel, _ options: Verifier.Options)
    -> String
  {
    var out = "verify \(model.options.source) (\(options.inputSource)): \(report.compileCommand)\n"
    if report.target != Target.host.name {
      out += "ran on \(report.target): \(report.runCommand)\n"
    }
    out += pad("node", 5) + pad("name", 34) + pad("kind", 48) + pad("max |error|", 13)
    out += pad("bound", 11) + pad("outside", 9) + pad("ties", 6)
    out += model.isApproximate ? pad("vs exact", 11) + "result\n" : "result\n"
    for layer in report.layers {
      out += pad("\(layer.index)", 5) + pad(printable(layer.name), 34) + pad(layer.kind, 48)
      out += pad(short(layer.agreement.maxError), 13) + pad(short(layer.agreement.bound), 11)
      out += pad("\(layer.agreement.outside)", 9) + pad("\(layer.ties)", 6)
      if let exact = layer.exact { out += pad(short(exact.maxError), 11) }
      out += layer.passed ? (layer.agreement.outside > 0 ? "ok (ties)\n" : "ok\n") : "DIFFERS\n"
    }
    let e = report.endToEnd
    out += "end to end, C against the interpreter: max |difference| \(short(e.maxError)), "
    out += "median \(short(e.medianError)), \(e.outside) of \(e.count) outside \(short(e.bound))\n"
    if let x = report.expected {
      out += "against the expected output: max |difference| \(short(x.maxError)), "
      out += "\(x.outside) of \(x.count) outside the bound \(short(x.bound))\n"
    }
    if let stack = report.stackBytes {
      out += "on \(report.target): stack \(stack) bytes"
      out +=
        report.instructions.map { ", \($0) instructions per untraced run (QEMU -icount)" } ?? ""
      out += "\n"
    }
    if let x = report.exactEndToEnd {
      out +=
        "APPROXIMATE (--dab-scale=layer): against the exact model, end to end: max |difference| "
      out +=
        "\(short(x.maxError)), median \(short(x.medianError)), \(x.outside) of \(x.count) outside "
      out += "the exact bound \(short(x.bound)); 'vs exact' above is the same per node\n"
    }
    let failed = report.layers.filter { !$0.passed }
    if report.passed {
      out += "PASSED: every node agrees with the interpreter"
      out += model.isApproximate ? " of the approximation" : ""
      out += report.expected == nil ? "\n" : ", and the output with the expected values\n"
    } else {
      out += "FAILED:"
      if let first = failed.first {
        out +=
          " \(failed.count) node(s) differ, the first is node \(first.index) '\(printable(first.name))';"
        let upToFirst = report.layers.prefix { $0.index <= first.index }
        if let huge = upToFirst.first(where: { $0.agreement.peak > Agreement.squareOverflow }) {
          out +=
            " values reach \(short(huge.agreement.peak)) at node \(huge.index) "
            + "'\(printable(huge.name))', beyond \(short(Agreement.squareOverflow)), where float32 "
            + "squares (a DAB's or LayerNorm's spread) overflow and correct computations can disagree;"
        }
      }
      if let x = report.expected, x.outside > 0 {
        out += " the output differs from the expected values;"
      }
      out.removeLast()
      out += "\n"
    }
    return out
  }

  static func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
  }

  static func short(_ value: Float) -> String {
    String(format: "%.3g", Double(value))
  }
}
