import Foundation

@testable import BiDenseCLI
@testable import BiDenseCodegen
@testable import BiDenseDriver
@testable import BiDenseFrontend
@testable import BiDenseIR
@testable import BiDensePasses
@testable import BiDenseReference

/// Runs the command-line tool in process and keeps what it printed.
final class CommandRun: @unchecked Sendable {
  private let lock = NSLock()
  private var out = ""
  private var err = ""
  private(set) var status: Int32 = -1

  init(_ arguments: [String], isTerminal: Bool = false) {
    let console = Console(
      write: { [self] text in
        lock.lock()
        out += text
        lock.unlock()
      },
      writeError: { [self] text in
        lock.lock()
        err += text
        lock.unlock()
      },
      isTerminal: isTerminal)
    status = CommandLineTool.main(arguments, console: console)
  }

  var stdout: String {
    lock.lock()
    defer { lock.unlock() }
    return out
  }
  var stderr: String {
    lock.lock()
    defer { lock.unlock() }
    return err
  }
}

/// A fresh folder for a test's files, removed when the value is released.
final class TemporaryFolder: @unchecked Sendable {
  let url: URL

  init() {
    url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "bidensec-test-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(at: url) }

  func path(_ name: String) -> String { url.appendingPathComponent(name).path }

  @discardableResult
  func write(_ name: String, _ text: String) -> String {
    try! Data(text.utf8).write(to: url.appendingPathComponent(name))
    return path(name)
  }

  @discardableResult
  func write(_ name: String, _ data: Data) -> String {
    try! data.write(to: url.appendingPathComponent(name))
    return path(name)
  }
}

/// Whether a program is on PATH (tests that need gcc, clang or dot skip without it).
func installed(_ program: String) -> Bool { Shell.find(program) != nil }
