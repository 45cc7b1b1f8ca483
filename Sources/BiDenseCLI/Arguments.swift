import BiDenseDriver
import BiDenseFrontend
import BiDenseIR
import BiDensePasses

/// The command line after the subcommand, parsed against the command's declared options:
/// `--option value` (or `--option=value`), `-o value` for an option with a short alias,
/// `--switch`, and operands (the model).
struct Arguments {
  var positional: [String] = []
  /// The valued options given on the command line, by long name.
  var values: [String: String] = [:]
  /// The switches given on the command line.
  var flags: Set<String> = []
  /// The options the command declares: where defaults come from.
  let options: [Option]

  /// Parses `words`; an option not in `options`, a missing value or a value that fails its
  /// option's check is a `UsageError`. At most `operands` positional words are accepted.
  init(_ words: [String], options: [Option], operands: Int = 1) throws {
    self.options = options
    var index = 0
    while index < words.count {
      let word = words[index]
      index += 1
      guard word.hasPrefix("-"), word.count > 1 else {
        positional.append(word)
        continue
      }
      var spelled = word
      var inline: String?
      if word.hasPrefix("--"), let equals = word.firstIndex(of: "=") {
        spelled = String(word[..<equals])
        inline = String(word[word.index(after: equals)...])
      }
      guard let option = Self.lookup(spelled, in: options) else {
        throw UsageError("unknown option '\(printable(spelled))'")
      }
      if option.takesValue {
        let value: String
        if let inline {
          value = inline
        } else {
          guard index < words.count else {
            throw UsageError("\(spelled) needs a value (\(option.placeholder!))")
          }
          value = words[index]
          index += 1
        }
        try option.validate(value)
        values[option.name] = value
      } else {
        guard inline == nil else { throw UsageError("--\(option.name) takes no value") }
        flags.insert(option.name)
      }
    }
    guard positional.count <= operands else {
      let extra = positional.map(printable).joined(separator: " ")
      throw UsageError(
        operands == 0 ? "takes no arguments, got \(extra)" : "expected one model, got \(extra)")
    }
  }

  /// Options by name alone, with neither help nor defaults (for callers that print no help).
  init(_ words: [String], valued: Set<String>, switches: Set<String>) throws {
    let options =
      valued.sorted().map { Option($0, value: "VALUE", "") }
      + switches.sorted().map { Option(switch: $0, "") }
    try self.init(words, options: options)
  }

  /// The option spelled `--name` or `-s`.
  private static func lookup(_ spelled: String, in options: [Option]) -> Option? {
    if spelled.hasPrefix("--") {
      let name = spelled.dropFirst(2)
      return options.first { $0.name == name }
    }
    guard spelled.count == 2, let letter = spelled.last else { return nil }
    return options.first { $0.short == letter }
  }

  /// The model, if one was named.
  func model() throws -> String? {
    guard positional.count <= 1 else {
      throw UsageError(
        "expected one model, got \(positional.map(printable).joined(separator: " "))")
    }
    return positional.first
  }

  /// Whether `option` was given on the command line (its default not counting).
  func isGiven(_ option: Option) -> Bool {
    option.takesValue ? values[option.name] != nil : flags.contains(option.name)
  }

  /// The value of `option`: as given, else the command's declared default value, else nil.
  func value(_ option: Option) -> String? {
    if let given = values[option.name] { return given }
    let declared = options.first { $0.name == option.name } ?? option
    if case .value(let text) = declared.defaultValue { return text }
    return nil
  }

  /// The value of `option` as a whole number (checked as it was parsed).
  func integer(_ option: Option) throws -> Int? {
    guard let text = value(option) else { return nil }
    guard let number = Int(text) else {
      throw UsageError("--\(option.name) takes a whole number, got '\(printable(text))'")
    }
    return number
  }
}

/// A mistake in how the tool was called: printed with the command's usage line, exit status 2.
struct UsageError: Error {
  var message: String
  init(_ message: String) { self.message = message }
}
