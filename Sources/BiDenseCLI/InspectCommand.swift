import BiDenseCodegen
import BiDenseDriver
import BiDenseFrontend
import BiDenseIR
import Foundation

/// `bidensec inspect`: the fused graph, per node its kind, shape, memory and flash.
enum InspectCommand {
  static func run(_ words: [String], _ console: Console) throws -> Int32 {
    let args = try Arguments(
      words,
      valued: [
        "weights", "name", "format", "target", "cc", "cflags", "dab-scale", "max-tensor-elements",
        "max-workspace-bytes",
      ],
      switches: [])
    let loaded = try CommandLineTool.loadModel(args, console)
    let chosen = try CommandLineTool.target(args)
    let model = try CompiledModel(
      loaded.graph, options: try CommandLineTool.emitOptions(args, loaded, chosen ?? .host))
    let format = args.values["format"] ?? "text"
    guard ["text", "json", "dot"].contains(format) else {
      throw UsageError("--format is text, json or dot, not '\(printable(format))'")
    }
    let footprint = try chosen.map {
      try TargetFootprint.measure(
        model, on: $0, compiler: args.values["cc"], optimization: CommandLineTool.cflags(args))
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
