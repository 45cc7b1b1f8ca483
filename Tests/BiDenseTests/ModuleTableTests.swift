import Foundation
import Testing

@testable import BiDenseCLI
@testable import BiDenseCodegen
@testable import BiDenseDriver
@testable import BiDenseFrontend
@testable import BiDenseIR
@testable import BiDensePasses
@testable import BiDenseReference

/// The module table: one entry per name a model can use, consistent with itself, and the
/// catalogue README's table is checked against.
@Suite struct ModuleTableTests {
  static let names = [
    "BiDenseConv2d", "BiDenseConvTranspose2d", "Transition", "BiDenseDown", "BiDenseUp", "Block",
    "PSPModule", "FPN_fuse", "BiDenseUperNetDepthModel", "BiDenseUperNetSegmentationModel",
    "ResidualConvUnit", "FeatureFusionBlock", "LearnableBias", "PReLU", "ReLU", "Sigmoid",
    "Multiply", "Identity", "Dropout", "Dropout2d", "Add", "Concat", "AvgPool2d",
    "AdaptiveAvgPool2d", "Interpolate", "Conv2d", "BatchNorm2d", "BinaryLinear_STE",
    "BinaryLinear_adapscaling", "BinaryLinear", "Attention", "Mlp", "LayerScale", "Block",
    "VisionTransformer", "BiDenseDPTDepthModel", "BiDenseDPTSegmentationModel", "LayerNorm",
    "GELU", "Resize",
  ]

  /// Each (name, source) once; a name shared by two modules (the ConvNeXt's and the ViT's
  /// Block) is told apart by its source.
  @Test func everyModuleIsDefinedOnce() {
    #expect(ModuleTable.all.map(\.name).sorted() == Self.names.sorted())
    let keys = ModuleTable.all.map { "\($0.name) \($0.source ?? "")" }
    #expect(Set(keys).count == keys.count)
    #expect(ModuleTable.named("Block")?.source == "models/upernet/backbones/bidense_convnext.py")
    #expect(
      ModuleTable.named("Block", source: "models/dpt/backbones/bivit_vit.py")?.summary
        .hasPrefix("ViT") == true)
    for definition in ModuleTable.all {
      let attributes = definition.attributes.map(\.name)
      #expect(Set(attributes).count == attributes.count, "\(definition.name)")
      #expect(!definition.summary.isEmpty)
    }
  }

  /// Each default is a value its own attribute accepts.
  @Test func defaultsLieInTheirOwnRanges() throws {
    for definition in ModuleTable.all {
      for spec in definition.attributes {
        guard case .value(let value) = spec.fallback else { continue }
        let text: String
        switch value {
        case .float(let v): text = "\(v)"
        default: text = value.description
        }
        let json = try JSON.parse(Data("{\"\(spec.name)\": \(text)}".utf8))
        #expect(
          try Attributes.read(json.require(spec.name), spec, module: definition.name) == value,
          "\(definition.name).\(spec.name)")
      }
    }
  }

  /// README's table of modules is the catalogue, row for row.
  @Test func readmeHoldsTheCatalogue() throws {
    let readme = try String(
      contentsOf: Fixtures.folder.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("README.md"),
      encoding: .utf8)
    let lines = Set(readme.split(separator: "\n").map(String.init))
    let missing = ModuleTable.markdown().split(separator: "\n").map(String.init).filter {
      !lines.contains($0)
    }
    #expect(
      missing.isEmpty,
      "README.md lacks these rows of `bidensec modules`:\n\(missing.joined(separator: "\n"))")
  }

  @Test func theModulesCommandPrintsTheCatalogue() {
    let run = CommandRun(["modules"])
    #expect(run.status == 0)
    #expect(run.stdout == ModuleTable.markdown())
  }

  /// Every attribute of every module is checked: a name the table does not list is rejected
  /// with the module, the attribute and where it sits.
  @Test(arguments: ModuleTable.all.map { [$0.name, $0.source ?? ""] })
  func unknownAttributesAreRejected(_ key: [String]) throws {
    let name = key[0]
    let definition = try #require(ModuleTable.named(name, source: key[1].isEmpty ? nil : key[1]))
    let json = try JSON.parse(Data(#"{"attributes": {"no_such_thing": 1}}"#.utf8))
    let error = #expect(throws: BiDenseError.self) {
      try Attributes(json.require("attributes"), for: definition)
    }
    let text = error?.description ?? ""
    #expect(text.contains(name) && text.contains("'attributes.no_such_thing'"), "\(text)")
  }

  /// A null is accepted only where PyTorch takes None (an optional attribute).
  @Test func nullOnlyWhereOptional() throws {
    let conv = try #require(ModuleTable.named("BiDenseConv2d"))
    let pool = try #require(ModuleTable.named("AvgPool2d"))
    let nullPadding = try JSON.parse(
      Data(#"{"in_channels": 8, "out_channels": 8, "padding": null}"#.utf8))
    #expect(throws: BiDenseError.self) { try Attributes(nullPadding, for: conv) }
    let nullStride = try JSON.parse(Data(#"{"kernel_size": 2, "stride": null}"#.utf8))
    let attributes = try Attributes(nullStride, for: pool)
    #expect(try attributes.optionalPair("stride") == nil)
  }

  /// The arity comes from the table, FPN_fuse's from its feature_channels.
  @Test func arityIsChecked() throws {
    var builder = ModuleBuilder(name: "t", weights: .seeded(1, source: "seeded"))
    let x = try builder.graph.input("x", shape: [1, 8, 4, 4])
    let empty = try JSON.parse(Data("{}".utf8))
    #expect(throws: BiDenseError.self) {
      _ = try builder.module("Add", path: "a", constructor: empty, inputs: [x])
    }
    #expect(throws: BiDenseError.self) {
      _ = try builder.module("ReLU", path: "r", constructor: empty, inputs: [x, x])
    }
    let fpn = try JSON.parse(Data(#"{"feature_channels": [8, 8, 8], "fpn_out": 8}"#.utf8))
    let error = #expect(throws: BiDenseError.self) {
      try builder.module("FPN_fuse", path: "f", constructor: fpn, inputs: [x, x])
    }
    #expect(error?.message.contains("one per feature_channels entry (3)") == true)
  }

  /// Every primitive op builds from its defaults plus its required attributes.
  @Test func primitivesBuildInANativeGraph() throws {
    let graph = """
      {"inputs": [{"name": "x", "shape": [1, 8, 6, 6]}],
       "nodes": [
         {"name": "b", "op": "LearnableBias", "inputs": ["x"], "attributes": {"out_chn": 8}},
         {"name": "p", "op": "PReLU", "inputs": ["b"], "attributes": {"num_parameters": 8}},
         {"name": "r", "op": "ReLU", "inputs": ["p"]},
         {"name": "s", "op": "Sigmoid", "inputs": ["r"]},
         {"name": "m", "op": "Multiply", "inputs": ["s"], "attributes": {"value": 2.5}},
         {"name": "i", "op": "Identity", "inputs": ["m"]},
         {"name": "d", "op": "Dropout", "inputs": ["i"], "attributes": {"p": 0.1}},
         {"name": "d2", "op": "Dropout2d", "inputs": ["d"]},
         {"name": "a", "op": "Add", "inputs": ["d2", "x"]},
         {"name": "c", "op": "Concat", "inputs": ["a", "x"], "attributes": {"dim": 1}},
         {"name": "pool", "op": "AvgPool2d", "inputs": ["c"], "attributes": {"kernel_size": 2}},
         {"name": "ap", "op": "AdaptiveAvgPool2d", "inputs": ["pool"],
          "attributes": {"output_size": [2, 3]}},
         {"name": "up", "op": "Interpolate", "inputs": ["ap"],
          "attributes": {"mode": "bilinear", "size": 6, "align_corners": true}},
         {"name": "near", "op": "Interpolate", "inputs": ["up"], "attributes": {"scale_factor": 2}},
         {"name": "conv", "op": "Conv2d", "inputs": ["near"],
          "attributes": {"in_channels": 16, "out_channels": 4, "kernel_size": 3, "padding": 1}},
         {"name": "bn", "op": "BatchNorm2d", "inputs": ["conv"], "attributes": {"num_features": 4}}],
       "outputs": ["bn"]}
      """
    let (built, _) = try NativeGraph.build(
      try JSON.parse(Data(graph.utf8)), weights: .seeded(5, source: "seeded"), name: "prims")
    #expect(built[built.outputs[0]].shape == TensorShape(channels: 4, height: 12, width: 12))
    _ = try CompiledModel(built, options: CompileOptions(prefix: "prims", source: "test"))
  }
}
