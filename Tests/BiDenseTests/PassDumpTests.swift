import Foundation
import Testing

@testable import BiDenseDriver
@testable import BiDenseFrontend
@testable import BiDenseIR
@testable import BiDensePasses

/// FileCheck-style expectations: each `CHECK:` line must appear in the dump after the lines
/// matched before it, `CHECK-NEXT:` on the very next line, `CHECK-SAME:` later on the line of
/// the previous match, and `CHECK-NOT:` nowhere between the matches around it. The expectations are written from what each pass must do, not
/// copied from its output.
enum FileCheck {
  static func run(_ expectations: String, against dump: String) -> [String] {
    let lines = dump.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var failures: [String] = []
    var position = 0
    /// The rest of the line last matched, for CHECK-SAME.
    var rest = Substring("")
    var forbidden: [String] = []
    for raw in expectations.split(separator: "\n") {
      let line = raw.trimmingCharacters(in: .whitespaces)
      func pattern(_ prefix: String) -> String? {
        line.hasPrefix(prefix)
          ? line.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces) : nil
      }
      if let text = pattern("CHECK-NOT:") {
        forbidden.append(text)
      } else if let text = pattern("CHECK-SAME:") {
        if let range = rest.range(of: text) {
          rest = rest[range.upperBound...]
        } else {
          failures.append("CHECK-SAME: '\(text)' is not on line \(position)")
        }
      } else if let text = pattern("CHECK-NEXT:") {
        if position < lines.count, let range = lines[position].range(of: text) {
          rest = lines[position][range.upperBound...]
          position += 1
        } else {
          failures.append("CHECK-NEXT: '\(text)' is not on line \(position + 1)")
        }
      } else if let text = pattern("CHECK:") {
        guard let found = lines[position...].firstIndex(where: { $0.contains(text) }) else {
          failures.append("CHECK: '\(text)' not found after line \(position)")
          continue
        }
        for bad in forbidden {
          if let hit = lines[position..<found].first(where: { $0.contains(bad) }) {
            failures.append("CHECK-NOT: '\(bad)' found: \(hit)")
          }
        }
        forbidden = []
        rest = lines[found][lines[found].range(of: text)!.upperBound...]
        position = found + 1
      }
    }
    for bad in forbidden {
      if let hit = lines[min(position, lines.count)...].first(where: { $0.contains(bad) }) {
        failures.append("CHECK-NOT: '\(bad)' found: \(hit)")
      }
    }
    return failures
  }
}

@Suite struct PassDumpTests {
  static let folder = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("PassDumps")

  /// Every `.check` file in Tests/PassDumps, named `<fixture or example>.<dump>.check`.
  static let cases: [String] =
    ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
    .filter { $0.hasSuffix(".check") }.sorted()

  static func dump(_ what: String, of model: String) throws -> String {
    let graph: Graph
    if let example = Examples.named(model) {
      graph = try example.build()
    } else {
      graph = try Fixtures.graph(model)
    }
    switch what {
    case "graph":
      return PassDump.graph(graph)
    case "fusion":
      return PassDump.schedule(Fusion.fuse(graph))
    case "statistics":
      return PassDump.schedule(StatisticsFusion.shareChannelMeans(Fusion.fuse(graph)))
    case "layerscale":
      return PassDump.graph(LayerScaleApproximation.apply(graph))
    case "kernels", "kernels32", "plan":
      var options = CompileOptions(prefix: "m", source: model)
      if what == "kernels32" { options.kernels.wordBits = 32 }
      let compiled = try CompiledModel(graph, options: options)
      return what == "plan"
        ? PassDump.memoryPlan(compiled.plan, compiled.schedule)
        : PassDump.kernels(compiled.lowered)
    default:
      throw BiDenseError("unknown dump '\(what)'")
    }
  }

  @Test(arguments: cases)
  func dumpMatchesItsExpectations(_ file: String) throws {
    let parts = file.split(separator: ".")
    #expect(parts.count == 3, "name \(file) as <model>.<dump>.check")
    let expectations = try String(
      contentsOf: Self.folder.appendingPathComponent(file), encoding: .utf8)
    let dump = try Self.dump(String(parts[1]), of: String(parts[0]))
    let failures = FileCheck.run(expectations, against: dump)
    #expect(failures.isEmpty, "\(file):\n\(failures.joined(separator: "\n"))\n--- dump:\n\(dump)")
  }

  @Test func theCheckerCatchesWhatIsMissing() {
    let dump = "a 1\nb 2\nc 3\n"
    #expect(FileCheck.run("CHECK: a\nCHECK-NEXT: b\nCHECK: c", against: dump).isEmpty)
    #expect(!FileCheck.run("CHECK: b\nCHECK: a", against: dump).isEmpty)
    #expect(!FileCheck.run("CHECK: a\nCHECK-NEXT: c", against: dump).isEmpty)
    #expect(!FileCheck.run("CHECK: a\nCHECK-NOT: b\nCHECK: c", against: dump).isEmpty)
    #expect(FileCheck.run("CHECK: a\nCHECK-NOT: z\nCHECK: c", against: dump).isEmpty)
    #expect(FileCheck.run("CHECK: a\nCHECK-SAME: 1", against: dump).isEmpty)
    #expect(!FileCheck.run("CHECK: a\nCHECK-SAME: 2", against: dump).isEmpty)
  }
}
