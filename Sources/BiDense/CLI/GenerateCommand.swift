import Foundation

/// `bidensec generate`: writes NAME.h, NAME.c and NAME_weights.c.
enum GenerateCommand {
  static func run(_ words: [String], _ console: Console) throws -> Int32 {
    let args = try Arguments(
      words, valued: ["weights", "name", "output"], switches: ["quiet", "progress"])
    let loaded = try CommandLineTool.loadModel(args, console)
    let graph = loaded.graph
    let progress = CommandLineTool.progress(args, console, layers: graph.nodes.count)
    progress.stage("read \(loaded.source): \(graph.nodes.count) primitive ops")
    let options = EmitOptions(prefix: args.values["name"] ?? graph.name, source: loaded.source)
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
    return 0
  }
}
