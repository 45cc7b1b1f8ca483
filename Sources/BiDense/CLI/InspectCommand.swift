import Foundation

/// `bidensec inspect`: the fused graph, per node its kind, shape, memory and flash.
enum InspectCommand {
  static func run(_ words: [String], _ console: Console) throws -> Int32 {
    let args = try Arguments(words, valued: ["weights", "name", "format"], switches: [])
    let loaded = try CommandLineTool.loadModel(args, console)
    let model = try CompiledModel(
      loaded.graph,
      options: EmitOptions(prefix: args.values["name"] ?? loaded.graph.name, source: loaded.source))
    switch args.values["format"] ?? "text" {
    case "text": console.write(GraphReport.text(model))
    case "json": console.write(GraphReport.json(model))
    case "dot": console.write(GraphReport.dot(model))
    case let other: throw UsageError("--format is text, json or dot, not '\(printable(other))'")
    }
    return 0
  }
}
