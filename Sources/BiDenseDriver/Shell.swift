import BiDenseCodegen
import BiDenseFrontend
import BiDenseIR
import BiDensePasses
import BiDenseReference
import BiDenseTemplates
import Foundation

/// Runs external programs (the C compiler, the compiled model, an emulator) with a time limit,
/// so that a program that hangs cannot hang the tool.
package enum Shell {
  package struct Result {
    package var status: Int32
    package var output: String
    package var timedOut: Bool
  }

  /// Runs `arguments[0]` (looked up on PATH) with the rest as arguments, in `directory`.
  package static func run(
    _ arguments: [String], in directory: URL? = nil, timeout: TimeInterval = 600
  ) throws -> Result {
    guard let executable = find(arguments[0]) else {
      throw BiDenseError("cannot find '\(arguments[0])' on PATH")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = Array(arguments.dropFirst())
    if let directory { process.currentDirectoryURL = directory }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    process.standardInput = FileHandle.nullDevice
    let collected = OutputCollector()
    pipe.fileHandleForReading.readabilityHandler = { handle in
      collected.append(handle.availableData)
    }
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    var timedOut = false
    while process.isRunning {
      if Date() > deadline {
        process.terminate()
        timedOut = true
        break
      }
      Thread.sleep(forTimeInterval: 0.005)
    }
    process.waitUntilExit()
    pipe.fileHandleForReading.readabilityHandler = nil
    collected.append(pipe.fileHandleForReading.readDataToEndOfFile())
    return Result(status: process.terminationStatus, output: collected.text, timedOut: timedOut)
  }

  /// The full path of a program: as given when it contains a slash, else from PATH.
  static func find(_ program: String) -> String? {
    if program.contains("/") {
      return FileManager.default.isExecutableFile(atPath: program) ? program : nil
    }
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for folder in path.split(separator: ":") {
      let candidate = "\(folder)/\(program)"
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }

  static func quoted(_ arguments: [String]) -> String {
    arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
  }
}

/// Output gathered from a pipe on another thread.
private final class OutputCollector: @unchecked Sendable {
  private var data = Data()
  private let lock = NSLock()

  func append(_ more: Data) {
    lock.lock()
    data.append(more)
    lock.unlock()
  }

  var text: String {
    lock.lock()
    defer { lock.unlock() }
    return String(decoding: data, as: UTF8.self)
  }
}
