import BiDenseDriver
import BiDenseFrontend
import BiDenseIR
import BiDensePasses
import Foundation

/// `bidensec inspect`: the fused graph, per node its kind, shape, memory and flash.
enum InspectCommand {
  static let command = Command(
    name: "inspect",
    summary: "print the fused graph: per node its kernel, shape, memory and flash",
    operand: Command.model,
    options: [
      .weights,
      .name,
      .format,
      .target.withHelp(Option.target.help + "; if given, prints flash and RAM"),
      .cc.withHelp("the compiler for measuring flash with --target"),
      .cflags.withHelp("optimisation flags for measuring flash with --target"),
      .dabScale,
    ] + Option.limits,
    run: run)

  static func run(_ args: Arguments, _ console: Console) throws -> Int32 {
    let loaded = try CommandLineTool.loadModel(args, console)
    let chosen = try CommandLineTool.target(args)
    let model = try CompiledModel(
      loaded.graph,
      options: try CommandLineTool.compileOptions(
        args, loaded, try CommandLineTool.chosenTarget(args))
    )
    let format = args.value(.format) ?? "text"
    let footprint = try chosen.map {
      try TargetFootprint.measure(
        model, on: $0, compiler: args.value(.cc), optimization: CommandLineTool.cflags(args))
    }
    switch format {
    case "text": console.write(GraphReport.text(model) + (footprint?.summary ?? ""))
    case "json": console.write(GraphReport.json(model, footprint: footprint))
    case "dot": console.write(GraphReport.dot(model))
    case let other: throw UsageError("--format is text, json or dot, not '\(printable(other))'")
    }
    return 0
  }
}
