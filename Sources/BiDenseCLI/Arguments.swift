import BiDenseCodegen
import BiDenseDriver
import BiDenseFrontend
import BiDenseIR

/// The command line after the subcommand: `--option value` (or `--option=value`), `--flag`,
/// and positional words.
struct Arguments {
  var positional: [String] = []
  var values: [String: String] = [:]
  var flags: Set<String> = []

  /// `valued` and `switches` are the long names the subcommand accepts; `-o` means `--output`.
  init(_ words: [String], valued: Set<String>, switches: Set<String>) throws {
    var index = 0
    while index < words.count {
      var word = words[index]
      index += 1
      if word == "-o" { word = "--output" }
      guard word.hasPrefix("--"), word.count > 2 else {
        if word.hasPrefix("-") && word.count > 1 {
          throw UsageError("unknown option '\(printable(word))'")
        }
        positional.append(word)
        continue
      }
      var name = String(word.dropFirst(2))
      var inline: String?
      if let equals = name.firstIndex(of: "=") {
        inline = String(name[name.index(after: equals)...])
        name = String(name[..<equals])
      }
      if switches.contains(name) {
        guard inline == nil else { throw UsageError("--\(name) takes no value") }
        flags.insert(name)
      } else if valued.contains(name) {
        if let inline {
          values[name] = inline
        } else {
          guard index < words.count else { throw UsageError("--\(name) needs a value") }
          values[name] = words[index]
          index += 1
        }
      } else {
        throw UsageError("unknown option '--\(printable(name))'")
      }
    }
  }

  /// At most one positional word: the model.
  func model() throws -> String? {
    guard positional.count <= 1 else {
      throw UsageError(
        "expected one model, got \(positional.map(printable).joined(separator: " "))")
    }
    return positional.first
  }

  func integer(_ name: String) throws -> Int? {
    guard let text = values[name] else { return nil }
    guard let value = Int(text) else {
      throw UsageError("--\(name) takes a whole number, got '\(printable(text))'")
    }
    return value
  }
}

extension Arguments {
  /// The options that raise the work limits, on every command that loads a model.
  static let limitOptions: Set<String> = ["max-tensor-elements", "max-workspace-bytes"]

  /// `--max-tensor-elements N` and `--max-workspace-bytes N` over the defaults.
  func limits() throws -> WorkLimits {
    var limits = WorkLimits.default
    if let n = try integer("max-tensor-elements") {
      guard (1...WorkLimits.maxTensorElementsCeiling).contains(n) else {
        throw UsageError(
          "--max-tensor-elements takes 1 to \(WorkLimits.maxTensorElementsCeiling), got \(n)")
      }
      limits.maxTensorElements = n
    }
    if let n = try integer("max-workspace-bytes") {
      guard (1...WorkLimits.maxWorkspaceBytesCeiling).contains(n) else {
        throw UsageError(
          "--max-workspace-bytes takes 1 to \(WorkLimits.maxWorkspaceBytesCeiling), got \(n)")
      }
      limits.maxWorkspaceBytes = n
    }
    return limits
  }
}

/// A mistake in how the tool was called: printed with the usage, exit status 2.
struct UsageError: Error {
  var message: String
  init(_ message: String) { self.message = message }
}
