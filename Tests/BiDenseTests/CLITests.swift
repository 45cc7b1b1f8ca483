import Foundation
import Testing

@testable import BiDenseCLI

/// The command line explains itself: `--help` per command and overall, `--version`, and usage
/// errors that exit 2 with the command's usage line.
@Suite struct CLITests {
  static let commandNames = ["generate", "verify", "inspect", "bench", "examples", "modules"]

  static func command(_ name: String) throws -> Command {
    try #require(CommandLineTool.command(named: name))
  }

  /// A value that passes `option`'s check.
  static func sample(_ option: Option) -> String {
    switch option.check {
    case .any: return "x"
    case .oneOf(let choices): return choices.last!
    case .integer(let minimum): return String((minimum ?? 0) + 2)
    }
  }

  @Test func everyCommandIsListed() {
    #expect(CommandLineTool.commands.map(\.name) == Self.commandNames)
  }

  /// `COMMAND --help` prints the usage line, then one line per option with its help and default,
  /// read from the same table the parser uses, and exits 0.
  @Test(arguments: commandNames)
  func commandHelp(_ name: String) throws {
    let command = try Self.command(name)
    let run = CommandRun([name, "--help"])
    #expect(run.status == 0)
    #expect(run.stderr.isEmpty)
    let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    #expect(lines.first == command.usageLine)
    #expect(run.stdout.contains(command.summary))
    for option in command.options + [.help] {
      let matching = lines.filter { $0.hasPrefix("  \(option.synopsis) ") }
      #expect(matching.count == 1, "\(name): \(option.synopsis)")
      #expect(
        matching.first?.hasSuffix(" " + option.helpWithDefault) == true, "\(name): \(option.name)")
    }
    let optionLines = lines.filter { $0.hasPrefix("  -") }
    #expect(optionLines.count == command.options.count + 1)
  }

  @Test(arguments: commandNames)
  func shortHelpAndHelpCommandMatchLongHelp(_ name: String) {
    let long = CommandRun([name, "--help"]).stdout
    #expect(CommandRun([name, "-h"]).stdout == long)
    let viaHelp = CommandRun(["help", name])
    #expect(viaHelp.status == 0)
    #expect(viaHelp.stdout == long)
  }

  /// Help wins over anything else on the line, even an option the command does not know.
  @Test func helpWinsOverOtherWords() {
    let run = CommandRun(["verify", "--frobnicate", "--help"])
    #expect(run.status == 0)
    #expect(run.stdout.hasPrefix("usage: bidensec verify [MODEL] [options]"))
  }

  /// Every option the help lists, the parser accepts, with the value the help promises.
  @Test(arguments: commandNames)
  func parserAcceptsEveryListedOption(_ name: String) throws {
    let command = try Self.command(name)
    for option in command.options {
      let words =
        option.takesValue ? ["--\(option.name)", Self.sample(option)] : ["--\(option.name)"]
      let args = try Arguments(words, options: command.options)
      #expect(args.isGiven(option), "\(name): \(option.name)")
      if option.takesValue { #expect(args.value(option) == Self.sample(option)) }
    }
  }

  @Test func helpShowsDefaults() throws {
    let generate = CommandRun(["generate", "--help"]).stdout
    #expect(generate.contains("-o, --output DIR"))
    #expect(generate.contains("(default: Generated/NAME)"))
    let verify = CommandRun(["verify", "--help"]).stdout
    #expect(verify.contains("--seed N"))
    #expect(verify.contains("(default: 1)"))
    #expect(verify.contains("(default: host)"))
    let bench = CommandRun(["bench", "--help"]).stdout
    #expect(bench.contains("(default: 5)"))
    #expect(bench.contains("(default: -O3)"))
    #expect(CommandRun(["inspect", "--help"]).stdout.contains("(default: text)"))
  }

  /// Declared default values reach the command without being given; given ones replace them.
  @Test func parserAppliesDeclaredDefaults() throws {
    let inspect = try Arguments([], options: InspectCommand.command.options)
    #expect(inspect.value(.format) == "text")
    #expect(!inspect.isGiven(.format))
    #expect(inspect.value(.name) == nil)
    let bench = try Arguments(["--runs=3"], options: BenchCommand.command.options)
    #expect(try bench.integer(.runs) == 3)
    #expect(try Arguments([], options: BenchCommand.command.options).integer(.runs) == 5)
    let generate = try Arguments(
      ["model.json", "-o", "out", "--name=net", "--quiet"], options: GenerateCommand.command.options
    )
    #expect(try generate.model() == "model.json")
    #expect(generate.value(.output) == "out")
    #expect(generate.value(.name) == "net")
    #expect(generate.isGiven(.quiet))
  }

  /// README.md quotes each command's help; every line of it must be there (spacing aside), so
  /// an option added to a command's table shows up as a failure until the README has it too.
  @Test(arguments: ["generate", "verify", "inspect", "bench"])
  func readmeQuotesTheHelp(_ name: String) throws {
    let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("README.md")
    let squeeze = { (line: Substring) in line.split(separator: " ").joined(separator: " ") }
    let quoted = Set(
      try String(contentsOf: readme, encoding: .utf8).split(separator: "\n").map(squeeze))
    let missing = CommandRun([name, "--help"]).stdout.split(separator: "\n").filter {
      !quoted.contains(squeeze($0))
    }
    #expect(missing.isEmpty, "README.md lacks these lines of '\(name) --help': \(missing)")
  }

  @Test(arguments: [["--help"], ["help"], ["-h"]])
  func overallHelp(_ words: [String]) {
    let run = CommandRun(words)
    #expect(run.status == 0)
    #expect(run.stdout.hasPrefix(CommandLineTool.usageLine))
    for command in CommandLineTool.commands {
      #expect(run.stdout.contains("  \(command.name)"))
      #expect(run.stdout.contains(command.summary))
    }
    #expect(run.stdout.contains("version"))
    #expect(run.stdout.contains("docs/SEMANTICS.md"))
  }

  @Test(arguments: [["--version"], ["version"]])
  func version(_ words: [String]) {
    let run = CommandRun(words)
    #expect(run.status == 0)
    #expect(run.stdout == "bidensec \(CommandLineTool.version)\n")
    #expect(run.stderr.isEmpty)
  }

  /// A usage error exits 2 and prints the error and the command's usage line, not the manual.
  @Test func unknownOption() {
    let run = CommandRun(["generate", "--frobnicate"])
    #expect(run.status == 2)
    #expect(run.stdout.isEmpty)
    #expect(run.stderr.hasPrefix("bidensec generate: unknown option '--frobnicate'\n"))
    #expect(run.stderr.contains("usage: bidensec generate [MODEL] [options]\n"))
    #expect(!run.stderr.contains("--weights"))
    #expect(!run.stderr.contains("bidensec verify"))
  }

  @Test func missingValue() {
    let run = CommandRun(["verify", "--seed"])
    #expect(run.status == 2)
    #expect(run.stderr.contains("--seed needs a value"))
    #expect(run.stderr.contains("usage: bidensec verify [MODEL] [options]"))
  }

  @Test func badValues() {
    let format = CommandRun(["inspect", "--format", "svg"])
    #expect(format.status == 2)
    #expect(format.stderr.contains("--format is one of text, json, dot, not 'svg'"))
    #expect(format.stderr.contains("usage: bidensec inspect [MODEL] [options]"))
    let seed = CommandRun(["verify", "--seed", "many"])
    #expect(seed.status == 2)
    #expect(seed.stderr.contains("--seed takes a whole number, got 'many'"))
    let scale = CommandRun(["bench", "--dab-scale=tensor"])
    #expect(scale.status == 2)
    #expect(scale.stderr.contains("--dab-scale is one of channel, layer, not 'tensor'"))
    let flag = CommandRun(["generate", "--quiet=yes"])
    #expect(flag.status == 2)
    #expect(flag.stderr.contains("--quiet takes no value"))
  }

  @Test func extraOperands() {
    let run = CommandRun(["generate", "a.json", "b.json"])
    #expect(run.status == 2)
    #expect(run.stderr.contains("expected one model, got a.json b.json"))
    let examples = CommandRun(["examples", "all"])
    #expect(examples.status == 2)
    #expect(examples.stderr.contains("usage: bidensec examples\n"))
  }

  @Test func unknownOrMissingCommand() {
    for words in [["transmogrify"], [], ["help", "transmogrify"]] {
      let run = CommandRun(words)
      #expect(run.status == 2, "\(words)")
      #expect(run.stderr.contains(CommandLineTool.usageLine), "\(words)")
      #expect(!run.stderr.contains("--weights"), "\(words)")
    }
    #expect(CommandRun(["transmogrify"]).stderr.contains("unknown command 'transmogrify'"))
  }
}
