import BiDenseDriver
import BiDenseFrontend
import BiDenseIR
import BiDensePasses
import Foundation

/// `bidensec generate`: writes NAME.h, NAME.c and NAME_weights.c; with `--target`, also
/// prints the flash and RAM the model takes there.
enum GenerateCommand {
  static let command = Command(
    name: "generate", summary: "compile MODEL to C: NAME.h, NAME.c and NAME_weights.c",
    operand: Command.model,
    options: [
      .weights,
      .name,
      .output,
      .target.withHelp(Option.target.help + "; if given, prints flash and RAM"),
      .cc.withHelp("the compiler for measuring flash with --target"),
      .cflags.withHelp("optimisation flags for measuring flash with --target"),
      .dabScale,
      .quiet.withHelp("print nothing on success"),
      .progress,
    ] + Option.limits,
    run: run)

  static func run(_ args: Arguments, _ console: Console) throws -> Int32 {
    let loaded = try CommandLineTool.loadModel(args, console)
    let graph = loaded.graph
    let progress = CommandLineTool.progress(args, console, layers: graph.nodes.count)
    progress.stage("read \(loaded.source): \(graph.nodes.count) primitive ops")
    let chosen = try CommandLineTool.target(args)
    let options = try CommandLineTool.compileOptions(
      args, loaded, try CommandLineTool.chosenTarget(args))
    let model = try CompiledModel(graph, options: options)
    progress.stage("fused into \(model.schedule.nodes.count) nodes and emitted C")
    let folder = args.value(.output) ?? "Generated/\(model.generated.prefix)"
    try model.write(to: URL(fileURLWithPath: folder))
    progress.stage("wrote \(folder)")
    if !args.isGiven(.quiet) {
      let files = model.generated.files.map(\.name).joined(separator: ", ")
      console.write(
        "\(folder)/: \(files)\n"
          + "  \(plural(model.schedule.nodes.count, "fused node")), "
          + "\(plural(graph.parameterCount, "parameter"))\n"
          + "  weights \(model.weights.pool.bytes) bytes (float32: \(4 * graph.parameterCount) "
          + "bytes), workspace \(model.plan.workspaceBytes) bytes\n")
    }
    if let target = chosen {
      progress.stage("measuring flash and RAM on \(target.name)")
      let footprint = try TargetFootprint.measure(
        model, on: target, compiler: args.value(.cc), optimization: CommandLineTool.cflags(args))
      if !args.isGiven(.quiet) { console.write(footprint.summary) }
    }
    return 0
  }
}
