import Foundation
import Testing

@testable import BiDenseFrontend
@testable import BiDenseIR

/// The dump of a model is checked in beside it: a change to the reader or the printer shows
/// up as a diff of that text.
@Suite struct ONNXTextDumpTests {
  @Test(arguments: [
    ("vit_linear_ste.onnx", "vit_linear_ste.dump.txt", ONNXTextDumpOptions(showScopes: true)),
    ("conv3x3_same.ts.onnx", "conv3x3_same.ts.dump.txt", ONNXTextDumpOptions(showNodeNames: true)),
  ])
  func matchesGolden(_ model: String, _ golden: String, _ options: ONNXTextDumpOptions) throws {
    let dump = try ONNXModel(contentsOfFile: onnxFixture(model)).textDump(
      options: options)
    let expected = try String(contentsOfFile: onnxFixturesFolder + "/" + golden, encoding: .utf8)
    #expect(dump == expected)
  }

  @Test func scopesComeFromDynamoMetadata() throws {
    let model = try ONNXModel(contentsOfFile: onnxFixture("conv3x3_same.onnx"))
    let scopes = model.graph.nodes.map { $0.moduleScope ?? "-" }
    #expect(scopes.first == "binarizer.avg_pool")
    #expect(scopes.contains("binarizer.binarizer"))
    #expect(scopes.last == "")
    #expect(
      ONNXNode.parsePythonStringList("['', 'a.b', \"it's\"]") == ["", "a.b", "it's"])
  }

  @Test func constantsShowTheirValuesWhereUsed() throws {
    let model = try ONNXModel(contentsOfFile: onnxFixture("conv3x3_same.ts.onnx"))
    let dump = model.textDump()
    #expect(
      dump.contains(
        "Less(/binarizer/Sub_output_0, /binarizer/binarizer/Constant_output_0:f32[]=[-1.0])"))
  }

  @Test func subgraphsAreIndented() throws {
    let bytes = modelBytes { graph in
      graph.message(1) { node in
        node.string(1, "c")
        node.string(2, "y")
        node.string(4, "If")
        node.message(5) { attribute in
          attribute.string(1, "then_branch")
          attribute.int(20, 5)
          attribute.message(6) { body in
            body.string(2, "then")
            body.message(1) { $0.string(4, "Identity") }
          }
        }
      }
    }
    let dump = try ONNXModel(serialized: bytes).textDump()
    #expect(dump.contains("If(c) -> y {then_branch=<graph 'then'>}\n    graph 'then': 1 nodes"))
    #expect(dump.contains("\n    Identity() -> \n"))
  }
}
