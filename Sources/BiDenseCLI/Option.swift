import BiDenseDriver
import BiDenseFrontend
import BiDenseIR
import BiDensePasses

/// One option a command accepts. A command declares its options once, as a list of these; the
/// parser reads the list to accept, check and default the options, and `--help` prints it, so
/// the two cannot drift apart.
struct Option: Sendable {
  /// What a valued option accepts; checked while parsing, so a bad value is a usage error.
  enum Check: Sendable {
    case any
    case oneOf([String])
    case integer(minimum: Int?)
  }

  /// What an option means when it is not given.
  enum Default: Sendable {
    /// No default: the option is simply absent.
    case none
    /// A value the parser uses when the option is not given.
    case value(String)
    /// A default that depends on other inputs (the model's name, the target): shown in the
    /// help only; the command works it out.
    case described(String)
  }

  /// The long name, without the leading `--`.
  var name: String
  /// A one-letter alias (`-o`), if any.
  var short: Character?
  /// What the value stands for in the help (`DIR`, `N`); nil for a switch, which takes none.
  var placeholder: String?
  /// What the option does, in one line.
  var help: String
  var check: Check
  var defaultValue: Default

  /// An option that takes a value.
  init(
    _ name: String, short: Character? = nil, value placeholder: String, _ help: String,
    check: Check = .any, default defaultValue: Default = .none
  ) {
    self.name = name
    self.short = short
    self.placeholder = placeholder
    self.help = help
    self.check = check
    self.defaultValue = defaultValue
  }

  /// A switch: present or absent, with no value.
  init(switch name: String, short: Character? = nil, _ help: String) {
    self.name = name
    self.short = short
    placeholder = nil
    self.help = help
    check = .any
    defaultValue = .none
  }

  var takesValue: Bool { placeholder != nil }

  /// The same option with another help line, for a command where it means something narrower.
  func withHelp(_ text: String) -> Option {
    var copy = self
    copy.help = text
    return copy
  }

  /// The same option with another default.
  func withDefault(_ value: Default) -> Option {
    var copy = self
    copy.defaultValue = value
    return copy
  }

  /// `--name PLACEHOLDER`, or `-s, --name PLACEHOLDER` with a short alias.
  var synopsis: String {
    let long = "--\(name)" + (placeholder.map { " \($0)" } ?? "")
    return short.map { "-\($0), \(long)" } ?? long
  }

  /// The help line's text: what it does, then its default.
  var helpWithDefault: String {
    switch defaultValue {
    case .none: return help
    case .value(let text), .described(let text): return "\(help) (default: \(text))"
    }
  }

  /// Throws the usage error for a value that does not pass the check.
  func validate(_ text: String) throws {
    switch check {
    case .any:
      return
    case .oneOf(let choices):
      guard choices.contains(text) else {
        throw UsageError(
          "--\(name) is one of \(choices.joined(separator: ", ")), not '\(printable(text))'")
      }
    case .integer(let minimum):
      guard let number = Int(text), number >= (minimum ?? Int.min) else {
        let floor = minimum.map { " of at least \($0)" } ?? ""
        throw UsageError("--\(name) takes a whole number\(floor), got '\(printable(text))'")
      }
    }
  }
}

/// The options the commands share, declared once. A command lists the ones it takes, one per
/// line; adding an option to a command is adding its line there (declared here, or inline).
extension Option {
  static let weights = Option(
    "weights", value: "FILE", "the model's state_dict, saved as safetensors; not for ONNX",
    default: .described("MODEL.safetensors"))
  static let name = Option(
    "name", value: "NAME", "the C prefix of the files and functions",
    default: .described("the model's name"))
  static let output = Option(
    "output", short: "o", value: "DIR", "the folder for NAME.h, NAME.c and NAME_weights.c",
    default: .described("Generated/NAME"))
  static let target = Option(
    "target", value: "TARGET",
    Target.all.map(\.name).joined(separator: ", "),
    check: .oneOf(Target.all.map(\.name)), default: .value(Target.host.name))
  static let cc = Option(
    "cc", value: "CC", "the C compiler",
    default: .described("the target's: \(Target.host.compiler) on host"))
  static let cflags = Option(
    "cflags", value: "FLAGS", "flags that replace the target's optimisation flags",
    default: .described(Target.host.optimizationFlags.joined(separator: " ")))
  static let dabScale = Option(
    "dab-scale", value: "SCALE", "channel (exact) or layer (one scale per layer, approximate)",
    check: .oneOf([DABScale.perChannel.rawValue, DABScale.perLayer.rawValue]),
    default: .value(DABScale.perChannel.rawValue))
  static let quiet = Option(switch: "quiet", "print no progress lines")
  static let progress = Option(
    switch: "progress", "print progress lines even when output is not a terminal")
  static let input = Option(
    "input", value: "X.f32", "raw float32 (little-endian, NCHW), the inputs in order",
    default: .described("random, from --seed"))
  static let expect = Option(
    "expect", value: "Y.f32", "an output that the C's must match within the bound")
  static let seed = Option(
    "seed", value: "N", "the seed of the random input", check: .integer(minimum: nil),
    default: .value(String(Verifier.Options().seed)))
  static let maxTensorElements = Option(
    "max-tensor-elements", value: "N",
    "the most elements any one tensor may have",
    check: .integer(minimum: 1), default: .value(String(WorkLimits.default.maxTensorElements)))
  static let maxWorkspaceBytes = Option(
    "max-workspace-bytes", value: "N", "the most bytes the planned workspace may take",
    check: .integer(minimum: 1), default: .value(String(WorkLimits.default.maxWorkspaceBytes)))
  /// The options every command that loads a model takes.
  static let limits: [Option] = [.maxTensorElements, .maxWorkspaceBytes]
  static let format = Option(
    "format", value: "FORMAT", "text, json (for tools) or dot (for Graphviz)",
    check: .oneOf(["text", "json", "dot"]), default: .value("text"))
  static let runs = Option(
    "runs", value: "N", "timed runs of each build after a warm-up run",
    check: .integer(minimum: 1), default: .value(String(Benchmark.Options().runs)))
  static let native = Option(
    switch: "native", "add -march=native and this machine's widest vector path (host only)")
  /// Every command takes it; the parser answers it before anything else.
  static let help = Option(switch: "help", short: "h", "print this help")
}
