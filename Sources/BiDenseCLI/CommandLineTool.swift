import BiDenseCodegen
import BiDenseDriver
import BiDenseFrontend
import BiDenseIR
import Foundation

/// The `bidensec` command: `generate`, `verify`, `inspect`, `examples`.
public enum CommandLineTool {
  static let usage = """
    usage: bidensec generate [MODEL] [--weights W.safetensors] [--name NAME] [-o DIR]
                             [--target T] [--quiet]
           bidensec verify   [MODEL] [--weights W.safetensors] [--input X.f32] [--expect Y.f32]
                             [--target T] [--cc CC] [--cflags FLAGS] [--seed N] [--quiet]
                             [--dab-scale channel|layer]
           bidensec inspect  [MODEL] [--weights W.safetensors] [--format text|json|dot]
                             [--target T] [--dab-scale channel|layer]
           bidensec bench    [MODEL] [--weights W.safetensors] [--runs N] [--cc CC]
                             [--cflags FLAGS] [--native] [--dab-scale channel|layer] [--target T]
           bidensec examples
           bidensec modules

    MODEL is a model JSON (a model spec or a native graph; its weights default to the
    .safetensors file of the same name) or the name of a built-in example; without MODEL the
    default example (\(Examples.defaultName)) is used. --target is one of
    \(Target.all.map(\.name).joined(separator: ", ")) (default host): it picks the word size,
    the compiler and flags (--cc and --cflags override them) and where verify runs the C.
    --dab-scale=layer trades exactness for speed: one DAB scale per layer, so dense binary
    convolutions become pure xnor-popcounts; verify reports the error against the exact model.
    --max-tensor-elements N and --max-workspace-bytes N raise the work one model may ask for.
    modules prints the table of modules, their attributes and parameters.

    """

  /// Runs the tool on `arguments` (without the program name); returns the exit status.
  public static func main(_ arguments: [String], console: Console = .standard) -> Int32 {
    guard let command = arguments.first else {
      console.writeError(usage)
      return 2
    }
    let rest = Array(arguments.dropFirst())
    do {
      switch command {
      case "generate": return try GenerateCommand.run(rest, console)
      case "verify": return try VerifyCommand.run(rest, console)
      case "inspect": return try InspectCommand.run(rest, console)
      case "bench": return try BenchCommand.run(rest, console)
      case "examples":
        for example in Examples.all {
          let mark = example.name == Examples.defaultName ? " (default)" : ""
          console.write("\(example.name)\(mark): \(example.summary)\n")
        }
        return 0
      case "modules":
        console.write(ModuleTable.markdown())
        return 0
      case "help", "--help", "-h":
        console.write(usage)
        return 0
      default:
        throw UsageError("unknown command '\(printable(command))'")
      }
    } catch let error as UsageError {
      console.writeError("bidensec: \(error.message)\n\n\(usage)")
      return 2
    } catch let error as BiDenseError {
      console.writeError("bidensec: error: \(error)\n")
      return 1
    } catch {
      console.writeError("bidensec: error: \(error)\n")
      return 1
    }
  }

  /// The model, loaded from the common arguments, with a warning for unused parameters.
  static func loadModel(_ args: Arguments, _ console: Console) throws -> LoadedModel {
    let loaded = try ModelLoader.load(
      try args.model(), weights: args.values["weights"], name: args.values["name"],
      limits: try args.limits())
    if !loaded.unusedParameters.isEmpty {
      let list = loaded.unusedParameters.prefix(5).map(printable).joined(separator: ", ")
      let more = loaded.unusedParameters.count > 5 ? ", ..." : ""
      console.writeError(
        "bidensec: warning: \(loaded.unusedParameters.count) parameter(s) in the weights are "
          + "used by no module: \(list)\(more)\n")
    }
    return loaded
  }

  /// `--dab-scale channel|layer`: exact per-channel scales (the default) or the approximation.
  static func dabScale(_ args: Arguments) throws -> DABScale {
    guard let text = args.values["dab-scale"] else { return .perChannel }
    guard let scale = DABScale(rawValue: text) else {
      throw UsageError("--dab-scale takes 'channel' or 'layer', got '\(printable(text))'")
    }
    return scale
  }

  /// The `--target` named, or nil when not given.
  static func target(_ args: Arguments) throws -> Target? {
    guard let name = args.values["target"] else { return nil }
    guard let target = Target.named(name) else {
      throw UsageError(
        "--target is one of \(Target.all.map(\.name).joined(separator: ", ")), "
          + "not '\(printable(name))'")
    }
    return target
  }

  /// The emit options for a model on a target.
  static func emitOptions(_ args: Arguments, _ loaded: LoadedModel, _ target: Target) throws
    -> EmitOptions
  {
    var options = EmitOptions(
      prefix: args.values["name"] ?? loaded.graph.name, source: loaded.source,
      wordBits: target.wordBits)
    options.dabScale = try dabScale(args)
    return options
  }

  /// `--cflags` split into words, or nil.
  static func cflags(_ args: Arguments) -> [String]? {
    args.values["cflags"].map { $0.split(separator: " ").map(String.init) }
  }

  static func progress(_ args: Arguments, _ console: Console, layers: Int) -> Progress {
    let wanted = args.flags.contains("progress") || (console.isTerminal && layers > 4)
    return Progress(console: console, enabled: wanted && !args.flags.contains("quiet"))
  }
}
