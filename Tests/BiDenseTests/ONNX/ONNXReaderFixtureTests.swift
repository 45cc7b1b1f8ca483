import Foundation
import Testing

@testable import BiDenseFrontend
@testable import BiDenseIR

/// The models copied into Fixtures, read and checked against what onnx itself reads.
@Suite struct ONNXReaderFixtureTests {
  /// Every model in Fixtures and Fixtures/onnx: the reference cases' exports and the
  /// reader's own.
  static let copied: [String] = {
    let folders = [Fixtures.folder.path, onnxFixturesFolder]
    let files = folders.flatMap { (try? FileManager.default.contentsOfDirectory(atPath: $0)) ?? [] }
    return files.filter { $0.hasSuffix(".onnx") }.sorted()
  }()

  /// The models whose facts also list every initializer's sum and first value.
  static let detailed: Set = [
    "conv3x3_same.onnx", "conv3x3_same.ts.onnx", "conv7x7_depthwise.ts.onnx",
    "vit_attention.onnx", "vit_linear_ste.onnx",
  ]

  private func read(_ name: String) throws -> ONNXModel {
    try ONNXModel(contentsOfFile: onnxFixture(name))
  }

  @Test(arguments: copied) func matchesOnnxReading(_ name: String) throws {
    guard name != "typed_fields.onnx", name != "external.onnx" else { return }
    let facts = try #require(allModelFacts.first { $0.file == name })
    #expect((facts.initializers != nil) == Self.detailed.contains(name))
    let problems = try expectMatches(try read(name), facts)
    #expect(problems.isEmpty, "\(name): \(problems)")
  }

  @Test func everyReferenceCaseExportIsCopied() {
    #expect(Self.copied.filter { $0 != "typed_fields.onnx" }.count == 35)
  }

  // A few facts written out by hand from onnx's own reading, so that the checks above do
  // not rest on the facts file alone.

  @Test func dynamoConv() throws {
    let model = try read("conv3x3_same.onnx")
    #expect(model.irVersion == 10)
    #expect(model.opsetVersion() == 18)
    #expect(model.producerName == "pytorch")
    #expect(model.graph.nodes.count == 40)
    #expect(model.graph.nodes[0].opType == "ReduceMean")
    #expect(model.graph.nodes[0].inputs == ["x", "val_2"])
    #expect(model.graph.nodes[0].attribute(named: "keepdims")?.i == 1)
    #expect(model.graph.initializers.count == 11)
    let alpha = try #require(model.graph.initializer(named: "binarizer.alpha"))
    #expect(alpha.shape == [1, 16, 1, 1])
    #expect(try alpha.floatValues()[0] == -0.7627979516983032)
    #expect(try model.graph.initializer(named: "val_2")?.int64Values() == [-1, -2])
    #expect(
      model.graph.inputs[0].tensorType?.shape == [.value(1), .value(16), .value(12), .value(10)])
    #expect(model.graph.nodes[0].moduleScope == "binarizer.avg_pool")
    let conv = try #require(model.graph.nodes.first { $0.opType == "Conv" })
    #expect(conv.attribute(named: "pads")?.ints == [1, 1, 1, 1])
    #expect(conv.attribute(named: "auto_pad")?.string == "NOTSET")
  }

  @Test func torchScriptConv() throws {
    let model = try read("conv3x3_same.ts.onnx")
    #expect(model.irVersion == 8)
    #expect(model.opsetVersion() == 17)
    #expect(model.graph.nodes.count == 65)
    #expect(model.graph.nodes[0].opType == "GlobalAveragePool")
    #expect(model.graph.nodes[0].name == "/binarizer/avg_pool/GlobalAveragePool")
    let constants = model.graph.nodes.filter { $0.opType == "Constant" }
    #expect(constants.count == 13)
    let value = try #require(constants[0].attribute(named: "value"))
    #expect(value.type == .tensor)
    #expect(try value.t?.floatValues() == [1])
    #expect(model.graph.outputs[0].name == "95")
  }

  @Test func binaryLinear() throws {
    let model = try read("vit_linear_ste.onnx")
    #expect(model.graph.nodes.map(\.opType) == ["Sign", "MatMul", "Add"])
    #expect(model.graph.initializers.map(\.name) == ["val_6", "expand"])
    #expect(model.graph.initializers.map(\.shape) == [[48, 40], [1, 21, 40]])
    #expect(try model.graph.initializers[0].floatValues().count == 1920)
  }

  @Test func typedFieldsAsTheProtobufLibraryWritesThem() throws {
    let model = try read("typed_fields.onnx")
    func tensor(_ name: String) throws -> ONNXTensor {
      try #require(model.graph.initializer(named: name))
    }
    #expect(try tensor("f32").floatValues() == [1.5, -2.0, 0.0, 3.25, 1e-30, -7.0])
    #expect(try tensor("f32").floatData.count == 6)
    #expect(try tensor("f64").floatValues() == [0.1, -.infinity, 2.5])
    #expect(try tensor("i64").int64Values() == [-1, 0, 1 << 40, -(1 << 62)])
    #expect(try tensor("i32").int64Values() == [-5, 7, Int64(Int32.max)])
    #expect(try tensor("i8").int64Values() == [-128, 0, 127])
    #expect(try tensor("u8").int64Values() == [0, 200, 255])
    #expect(try tensor("b").int64Values() == [1, 0, 1])
    // 6e-8 rounds to 2^−24 in float16, the smallest subnormal.
    #expect(try tensor("f16").floatValues() == [1, -2, 65504, 0x1p-24])
    #expect(try tensor("f32_raw").floatValues() == [0.25, -4])
    #expect(try tensor("scalar").floatValues() == [42])
    #expect(try tensor("scalar").shape == [])
    #expect(try tensor("empty").floatValues() == [])
    let input = try #require(model.graph.inputs.first?.tensorType)
    #expect(input.shape == [.parameter("batch"), .value(3)])
  }

  @Test func externalDataWrittenByOnnx() throws {
    let model = try read("external/external.onnx")
    let weight = try #require(model.graph.initializer(named: "w"))
    #expect(weight.dataLocation == .external)
    #expect(
      try weight.externalDataReference()
        == ONNXExternalDataReference(
          location: "external.onnx.data", offset: 0, length: 192))
    #expect(try weight.floatValues() == (0..<48).map { (Float($0) - 20) / 8 })
    #expect(try model.graph.initializer(named: "shape")?.int64Values() == [3, -1, 4])
  }
}
