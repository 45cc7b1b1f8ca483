import Foundation
import Testing

@testable import BiDenseCLI
@testable import BiDenseCodegen
@testable import BiDenseDriver
@testable import BiDenseFrontend
@testable import BiDenseIR
@testable import BiDensePasses
@testable import BiDenseReference

/// Generated/ holds the C of the built-in examples; regenerating must give the same bytes, the
/// files must compile cleanly as they stand, and they must read like C a person wrote.
@Suite struct GoldenTests {
  static let root = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Generated")

  static let checkedIn = ["bidense-conv3x3", "upernet-depth-small"]

  static func folder(_ example: String) -> URL {
    root.appendingPathComponent(CText.identifier(example))
  }

  @Test(arguments: checkedIn)
  func regeneratesByteForByte(_ example: String) throws {
    let loaded = try ModelLoader.load(example, weights: nil)
    let model = try CompiledModel(
      loaded.graph, options: CompileOptions(prefix: loaded.graph.name, source: loaded.source))
    let folder = Self.root.appendingPathComponent(model.generated.prefix)
    let present = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    #expect(present == model.generated.files.map(\.name).sorted())
    for file in model.generated.files {
      let stored = try String(contentsOf: folder.appendingPathComponent(file.name), encoding: .utf8)
      #expect(
        stored == file.contents,
        "Generated/\(model.generated.prefix)/\(file.name) is stale: run `swift run bidensec generate \(example)`"
      )
    }
  }

  /// The checked-in files compile with gcc as strictly as the README promises, portable and
  /// on each vector path the host has.
  @Test(.enabled(if: installed("gcc")), arguments: checkedIn)
  func compilesStrictly(_ example: String) throws {
    let folder = Self.folder(example)
    let prefix = CText.identifier(example).uppercased()
    let paths: [(flags: [String], runs: Bool)] = [
      ([], true), (["-mavx2", "-mfma", "-D\(prefix)_AVX2"], HostMachine.hasAVX2),
      (["-march=native", "-D\(prefix)_AVX512"], HostMachine.hasAVX512),
    ]
    for (extra, runs) in paths where runs {
      for file in try FileManager.default.contentsOfDirectory(atPath: folder.path)
      where file.hasSuffix(".c") {
        let command =
          ["gcc", "-std=c99", "-pedantic", "-Wall", "-Wextra", "-Werror", "-O2", "-c"] + extra
          + ["-o", "/dev/null", folder.appendingPathComponent(file).path]
        let result = try Shell.run(command)
        #expect(result.status == 0, "\(Shell.quoted(command)):\n\(result.output)")
      }
    }
  }

  /// What the generator knows is folded: no multiplication by one, no addition of zero, no
  /// loop of one iteration, no `(void)` of a name, no line over 100 columns.
  @Test(arguments: checkedIn)
  func readsLikeHandWrittenC(_ example: String) throws {
    let folder = Self.folder(example)
    for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
      let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
      let issues = Self.unlikeHandWrittenC(text, file: file)
      #expect(issues.isEmpty, "\(issues.joined(separator: "\n"))")
    }
  }

  /// The lines of `text` that a person would not write: over 100 columns, a multiplication
  /// by one, an addition of zero, a loop of one iteration, a `(void)` of a name.
  static func unlikeHandWrittenC(_ text: String, file: String) -> [String] {
    var issues: [String] = []
    for (number, line) in text.split(separator: "\n").enumerated() {
      // The code of the line: comments (and the lines inside them) aside.
      let inComment = line.drop { $0 == " " }.hasPrefix("*")
      let code = inComment ? "" : line.split(separator: "/*").first.map(String.init) ?? ""
      let patterns = [
        #"[*] 1\b(?![.0-9])"#, #"[+-] 0\b(?![.0-9xX])"#, #"\b0 \*"#, #"< 1; \+\+"#,
        #"\(void\)[a-z]"#,
      ]
      let matched = patterns.contains { code.range(of: $0, options: .regularExpression) != nil }
      if line.count > 100 || matched || line.contains("1 fused nodes") {
        issues.append("\(file):\(number + 1): \(line)")
      }
    }
    return issues
  }
}
