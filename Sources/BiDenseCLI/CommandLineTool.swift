import BiDenseDriver
import BiDenseFrontend
import BiDenseIR
import BiDensePasses
import Foundation

/// The `bidensec` command: `generate`, `verify`, `inspect`, `bench`, `examples`, with `help`
/// and `version`.
public enum CommandLineTool {
  /// The subcommands, in the order the help lists them.
  static let commands: [Command] = [
    GenerateCommand.command, VerifyCommand.command, InspectCommand.command, BenchCommand.command,
    ExamplesCommand.command, ModulesCommand.command,
  ]

  static func command(named name: String) -> Command? {
    commands.first { $0.name == name }
  }

  static let usageLine = "usage: bidensec COMMAND [MODEL] [options]"

  /// `bidensec --help`: the usage line and every command with one line each.
  static var help: String {
    let rows =
      commands.map { ($0.name, $0.summary) } + [
        ("help", "print this help; 'help COMMAND' or 'COMMAND --help' prints a command's"),
        ("version", "print the version (also --version)"),
      ]
    let width = rows.map(\.0.count).max() ?? 0
    var text = "\(usageLine)\n\n"
    text += "bidensec \(version) compiles BiDense binary neural networks to standalone C99.\n\n"
    text += "commands:\n"
    for (name, summary) in rows {
      text += "  " + name + String(repeating: " ", count: width - name.count + 2) + summary + "\n"
    }
    text += """

      MODEL is a model JSON (a model spec or a native graph; its weights default to the
      .safetensors file of the same name), an ONNX export (weights inside), or the name of a
      built-in example; without MODEL the default example (\(Examples.defaultName)) is used. 'bidensec COMMAND --help' lists the
      command's options. What the generated C computes is defined in docs/SEMANTICS.md.

      """
    return text
  }

  /// What a usage error without a command prints after its message.
  static let usageReminder = "\(usageLine)\n'bidensec --help' lists the commands\n"

  /// Runs the tool on `arguments` (without the program name); returns the exit status.
  public static func main(_ arguments: [String], console: Console = .standard) -> Int32 {
    guard let name = arguments.first else {
      console.writeError("bidensec: no command given\n\(usageReminder)")
      return 2
    }
    let rest = Array(arguments.dropFirst())
    switch name {
    case "help", "--help", "-h":
      if let topic = rest.first {
        guard let command = command(named: topic), rest.count == 1 else {
          console.writeError("bidensec: no command '\(printable(topic))'\n\(usageReminder)")
          return 2
        }
        console.write(command.help)
      } else {
        console.write(help)
      }
      return 0
    case "version", "--version":
      console.write("bidensec \(version)\n")
      return 0
    default:
      break
    }
    guard let command = command(named: name) else {
      console.writeError("bidensec: unknown command '\(printable(name))'\n\(usageReminder)")
      return 2
    }
    do {
      return try command(rest, console)
    } catch let error as UsageError {
      console.writeError("bidensec \(command.name): \(error.message)\n\(command.usageReminder)")
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
  /// `--max-tensor-elements` and `--max-workspace-bytes` over the default limits.
  static func limits(_ args: Arguments) throws -> WorkLimits {
    var limits = WorkLimits.default
    if let n = try args.integer(.maxTensorElements) {
      guard n <= WorkLimits.maxTensorElementsCeiling else {
        throw UsageError(
          "--max-tensor-elements takes at most \(WorkLimits.maxTensorElementsCeiling), got \(n)")
      }
      limits.maxTensorElements = n
    }
    if let n = try args.integer(.maxWorkspaceBytes) {
      guard n <= WorkLimits.maxWorkspaceBytesCeiling else {
        throw UsageError(
          "--max-workspace-bytes takes at most \(WorkLimits.maxWorkspaceBytesCeiling), got \(n)")
      }
      limits.maxWorkspaceBytes = n
    }
    return limits
  }

  static func loadModel(_ args: Arguments, _ console: Console) throws -> LoadedModel {
    let loaded = try ModelLoader.load(
      try args.model(), weights: args.value(.weights), name: args.value(.name),
      limits: try limits(args))
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
    guard let text = args.value(.dabScale) else { return .perChannel }
    guard let scale = DABScale(rawValue: text) else {
      throw UsageError("--dab-scale takes 'channel' or 'layer', got '\(printable(text))'")
    }
    return scale
  }

  /// The `--target` given on the command line, or nil when it was not.
  static func target(_ args: Arguments) throws -> Target? {
    guard args.isGiven(.target), let name = args.value(.target) else { return nil }
    return try named(name)
  }

  /// The `--target` given, or its default.
  static func chosenTarget(_ args: Arguments) throws -> Target {
    try args.value(.target).map(named) ?? .host
  }

  private static func named(_ name: String) throws -> Target {
    guard let target = Target.named(name) else {
      throw UsageError(
        "--target is one of \(Target.all.map(\.name).joined(separator: ", ")), "
          + "not '\(printable(name))'")
    }
    return target
  }

  /// The compile options for a model on a target.
  static func compileOptions(_ args: Arguments, _ loaded: LoadedModel, _ target: Target) throws
    -> CompileOptions
  {
    var options = CompileOptions(
      prefix: args.value(.name) ?? loaded.graph.name, source: loaded.source,
      kernels: target.kernels)
    options.dabScale = try dabScale(args)
    options.limits = loaded.limits
    return options
  }

  /// `--cflags` split into words, or nil.
  static func cflags(_ args: Arguments) -> [String]? {
    args.value(.cflags).map { $0.split(separator: " ").map(String.init) }
  }

  static func progress(_ args: Arguments, _ console: Console, layers: Int) -> Progress {
    let wanted = args.isGiven(.progress) || (console.isTerminal && layers > 4)
    return Progress(console: console, enabled: wanted && !args.isGiven(.quiet))
  }
}
