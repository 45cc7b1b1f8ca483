import BiDenseCodegen
import BiDenseDriver
import BiDenseFrontend
import BiDenseIR
import Foundation

/// `bidensec generate`: writes NAME.h, NAME.c and NAME_weights.c; with `--target`, also
/// prints the flash and RAM the model takes there.
enum GenerateCommand {
  static func run(_ words: [String], _ console: Console) throws -> Int32 {
    let args = try Arguments(
      words,
      valued: [
        "weights", "name", "output", "target", "cc", "cflags", "dab-scale", "max-tensor-elements",
        "max-workspace-bytes",
      ],
      switches: ["quiet", "progress"])
    let loaded = try CommandLineTool.loadModel(args, console)
    let graph = loaded.graph
    let progress = CommandLineTool.progress(args, console, layers: graph.nodes.count)
    progress.stage("read \(loaded.source): \(graph.nodes.count) primitive ops")
    let chosen = try CommandLineTool.target(args)
    let options = try CommandLineTool.emitOptions(args, loaded, chosen ?? .host)
    let model = try CompiledModel(graph, options: options)
    progress.stage("fused into \(model.schedule.kernels.count) nodes and emitted C")
    let folder = args.values["output"] ?? "Generated/\(model.generated.prefix)"
    try model.write(to: URL(fileURLWithPath: folder))
    progress.stage("wrote \(folder)")
    if !args.flags.contains("quiet") {
      let g = model.generated
      console.write(
        "\(folder)/: \(g.files.map(\.name).joined(separator: ", "))\n"
          + "  \(model.schedule.kernels.count) fused nodes, \(graph.parameterCount) parameters\n"
          + "  weights \(g.weightBytes) bytes (float32: \(4 * graph.parameterCount) bytes), "
          + "workspace \(g.plan.workspaceBytes) bytes\n")
    }
    if let target = chosen {
      progress.stage("measuring flash and RAM on \(target.name)")
      let footprint = try TargetFootprint.measure(
        model, on: target, compiler: args.values["cc"], optimization: CommandLineTool.cflags(args))
      if !args.flags.contains("quiet") { console.write(footprint.summary) }
    }
    return 0
  }
}
