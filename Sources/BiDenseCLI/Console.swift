import BiDenseDriver
import BiDenseFrontend
import BiDenseIR
import BiDensePasses
import Foundation

/// Where the tool writes: standard output for results, standard error for messages. Tests
/// pass a console that records both.
public struct Console: Sendable {
  public var write: @Sendable (String) -> Void
  public var writeError: @Sendable (String) -> Void
  /// Progress lines go to standard output only when it is a terminal, unless asked for.
  public var isTerminal: Bool

  public init(
    write: @escaping @Sendable (String) -> Void, writeError: @escaping @Sendable (String) -> Void,
    isTerminal: Bool
  ) {
    self.write = write
    self.writeError = writeError
    self.isTerminal = isTerminal
  }

  public static let standard = Console(
    write: { text in FileHandle.standardOutput.write(Data(text.utf8)) },
    writeError: { text in FileHandle.standardError.write(Data(text.utf8)) },
    isTerminal: isatty(1) != 0)
}

/// Prints one line per pipeline stage with the time since the start.
struct Progress {
  let console: Console
  let enabled: Bool
  let start = Date()

  func stage(_ text: String) {
    guard enabled else { return }
    console.write(String(format: "[%6.2fs] ", Date().timeIntervalSince(start)) + text + "\n")
  }
}
