import BiDenseFrontend
import BiDenseIR
import BiDensePasses

/// A subcommand: its name, what it does, its operand and its options, declared once and read
/// by the parser, the command's `--help` and the tool's overall help.
struct Command: Sendable {
  /// The positional word a command takes.
  struct Operand: Sendable {
    var name: String
    var help: String
  }

  var name: String
  /// What the command does, in one line.
  var summary: String
  /// The positional word the command takes, if any (optional when it has a default).
  var operand: Operand?
  /// The options, in the order the help lists them; `--help` is added to every command.
  var options: [Option]
  var run: @Sendable (Arguments, Console) throws -> Int32

  /// MODEL: a model JSON, an ONNX export or a built-in example.
  static let model = Operand(
    name: "MODEL",
    help:
      "a model JSON, an ONNX file or a built-in example's name (default: \(Examples.defaultName))")

  /// `usage: bidensec NAME [MODEL] [options]`.
  var usageLine: String {
    var line = "usage: bidensec \(name)"
    if let operand { line += " [\(operand.name)]" }
    if !options.isEmpty { line += " [options]" }
    return line
  }

  /// What a usage error prints after its message: the usage line and where to find more.
  var usageReminder: String {
    usageLine + (options.isEmpty ? "" : "\n'bidensec \(name) --help' describes the options") + "\n"
  }

  /// `bidensec NAME --help`: the usage line, the summary, then the operand and every option
  /// on one line each, with its default.
  var help: String {
    var rows: [(String, String)] = []
    if let operand { rows.append((operand.name, operand.help)) }
    for option in options + [.help] { rows.append((option.synopsis, option.helpWithDefault)) }
    let width = rows.map(\.0.count).max() ?? 0
    var text = "\(usageLine)\n\n\(summary)\n\n"
    for (left, right) in rows {
      text += "  " + left + String(repeating: " ", count: width - left.count + 2) + right + "\n"
    }
    return text
  }

  /// Parses `words` against the options and runs the command, or prints its help.
  func callAsFunction(_ words: [String], _ console: Console) throws -> Int32 {
    if words.contains(where: { $0 == "--help" || $0 == "-h" }) {
      console.write(help)
      return 0
    }
    let arguments = try Arguments(words, options: options, operands: operand == nil ? 0 : 1)
    return try run(arguments, console)
  }
}
