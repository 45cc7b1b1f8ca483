import Foundation
import Testing

@testable import BiDenseCLI
@testable import BiDenseCodegen
@testable import BiDenseDriver
@testable import BiDenseFrontend
@testable import BiDenseIR
@testable import BiDensePasses
@testable import BiDenseReference

/// Generated/ holds the C of the built-in examples; regenerating must give the same bytes.
@Suite struct GoldenTests {
  static let root = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Generated")

  static let checkedIn = ["bidense-conv3x3", "upernet-depth-small"]

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
}
