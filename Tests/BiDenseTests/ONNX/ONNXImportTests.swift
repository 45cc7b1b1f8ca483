import Foundation
import Testing

@testable import BiDenseCLI
@testable import BiDenseDriver
@testable import BiDenseFrontend
@testable import BiDenseIR
@testable import BiDensePasses
@testable import BiDenseReference

/// The reference cases' ONNX exports: `NAME.onnx` (dynamo, opset 18) and `NAME.ts.onnx`
/// (TorchScript, opset 17), copied into Tests/Fixtures from the paper's PyTorch modules.
enum ONNXCases {
  /// Every export: the UperNet family (psp and upernet_depth_small have no TorchScript export:
  /// that exporter refuses their adaptive pooling) and the BiDense-DPT cases (dynamo only).
  static let all: [String] =
    (Fixtures.all.map { $0 + ".onnx" } + Fixtures.all.map { $0 + ".ts.onnx" })
    .filter { FileManager.default.fileExists(atPath: Fixtures.path($0, "")) }

  /// The reference case an export belongs to: `conv3x3_same.ts.onnx` → `conv3x3_same`.
  static func base(_ file: String) -> String {
    String(file.dropLast(file.hasSuffix(".ts.onnx") ? 8 : 5))
  }

  static func verify(_ file: String, _ extra: [String] = []) -> CommandRun {
    let base = base(file)
    return CommandRun(
      [
        "verify", Fixtures.path(file, ""), "--input", Fixtures.path(base, ".input.f32"),
        "--expect", Fixtures.path(base, ".output.f32"),
      ] + extra)
  }

  static func load(_ file: String) throws -> Graph {
    try ModelLoader.load(Fixtures.path(file, ""), weights: nil).graph
  }

  static func model(_ file: String) throws -> ONNXModel {
    try ONNXModel(contentsOfFile: Fixtures.path(file, ""))
  }

  /// Lowers a model held in memory (a fixture edited by a test).
  static func lower(_ model: ONNXModel, limits: WorkLimits = .default) throws -> Graph {
    try inFile("edited.onnx") {
      try ONNXImporter(model, file: "edited.onnx", name: "edited", limits: limits).run()
    }
  }
}

/// `bidensec verify NAME.onnx --input NAME.input.f32 --expect NAME.output.f32`: each export
/// verifies against the output PyTorch computed, with no model spec and no safetensors.
@Suite struct ONNXVerifyTests {
  @Test func everyExportIsCopied() {
    #expect(ONNXCases.all.count == 35)
    #expect(Fixtures.vit.allSatisfy { ONNXCases.all.contains($0 + ".onnx") })
  }

  @Test(arguments: ONNXCases.all)
  func verifiesAgainstPyTorch(_ file: String) {
    let run = ONNXCases.verify(file)
    #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
    #expect(run.stdout.contains("PASSED: every node agrees with the interpreter, and the output"))
  }
}

/// The same on an emulated Cortex-M4 (32-bit words, the byte-table kernels).
@Suite(.enabled(if: Target.cortexM4.missingTools.isEmpty))
struct ONNXCortexMTests {
  @Test(arguments: [
    "conv3x3_up_repeat_merge.ts.onnx", "conv3x3_down_merge.onnx", "convT2x2_stride2.onnx",
    "bidense_up4.ts.onnx", "convnext_block.onnx", "psp.onnx", "vit_linear_ste.onnx",
    "vit_linear_adapscaling.onnx", "vit_attention.onnx", "vit_block.onnx",
    "vit_encoder_small.onnx", "dpt_depth_small.onnx", "dpt_seg_small.onnx",
  ])
  func verifiesOnCortexM4(_ file: String) {
    let run = ONNXCases.verify(file, ["--target", "cortex-m4"])
    #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
    #expect(run.stdout.contains("qemu-system-arm"))
    #expect(run.stdout.contains("PASSED: every node agrees with the interpreter, and the output"))
  }
}

/// The ONNX route and the model-spec route of the same case compile to the same kernels: the
/// same binary layers, fused the same way, with the same kernel and output shape each.
@Suite struct ONNXInspectEquivalenceTests {
  struct Row: Hashable, Comparable, CustomStringConvertible {
    var kind: String
    var kernel: String
    var shape: String
    var description: String { "\(kind) | \(kernel) | \(shape)" }
    static func < (a: Row, b: Row) -> Bool { a.description < b.description }
  }

  struct Compiled {
    var binary: [Row]
    var all: [Row]
    /// The fused binary layers' names.
    var names: [String]
  }

  static func compile(_ graph: Graph, target: KernelTarget) throws -> Compiled {
    let model = try CompiledModel(
      graph, options: CompileOptions(prefix: "m", source: "m", kernels: target))
    let nodes = model.nodes
    // The binary layers: convolutions, and the ViT's linear layers and attention.
    let binary = nodes.filter {
      ["FusedBiDense", "BinaryLinear", "BinaryAttention"].contains(where: $0.kind.hasPrefix)
    }
    return Compiled(
      binary: binary.map { Row(kind: $0.kind, kernel: $0.kernel.description, shape: "\($0.shape)") }
        .sorted(),
      all: nodes.map { Row(kind: "", kernel: $0.kernel.description, shape: "\($0.shape)") }
        .sorted(),
      names: binary.map(\.name).sorted())
  }

  /// The same kernels on 64- and 32-bit targets, and the binary layers named by the module
  /// paths a model spec gives them, from either exporter.
  @Test(arguments: ONNXCases.all)
  func sameKernelsAsTheModelSpec(_ file: String) throws {
    let spec = try Fixtures.graph(ONNXCases.base(file))
    let onnx = try ONNXCases.load(file)
    for target in [KernelTarget(wordBits: 64), KernelTarget(wordBits: 32)] {
      let fromSpec = try Self.compile(spec, target: target)
      let fromONNX = try Self.compile(onnx, target: target)
      #expect(!fromONNX.binary.isEmpty)
      #expect(fromONNX.binary == fromSpec.binary, "\(file), \(target.wordBits)-bit")
      #expect(fromONNX.all == fromSpec.all, "\(file), \(target.wordBits)-bit")
      guard target.wordBits == 64 else { continue }
      // The model spec names FPN_fuse's one shared smooth_conv after its first use three
      // times (`FPN.smooth_conv.0`, then `.0.conv#2`, `.0.conv#3`); the export, after the
      // three state_dict paths of the module (`FPN.smooth_conv.0`, `.1`, `.2`).
      let shared = { (name: String) in name.hasPrefix("FPN.smooth_conv.") }
      // The encoder's export wraps the VisionTransformer as the attribute `vit`, so its state
      // dict names, and with them the layers, start with `vit.`.
      let onnxNames = fromONNX.names.map {
        file == "vit_encoder_small.onnx" && $0.hasPrefix("vit.") ? String($0.dropFirst(4)) : $0
      }
      #expect(onnxNames.filter { !shared($0) } == fromSpec.names.filter { !shared($0) })
      #expect(fromONNX.names.filter(shared).count == fromSpec.names.filter(shared).count)
      if file == "upernet_depth_small.onnx" {
        #expect(
          fromONNX.names.filter(shared) == [
            "FPN.smooth_conv.0", "FPN.smooth_conv.1", "FPN.smooth_conv.2",
          ])
      }
    }
  }

  @Test func inspectPrintsModulePaths() {
    let run = CommandRun(["inspect", Fixtures.path("convnext_block.ts.onnx", "")])
    #expect(run.status == 0, "\(run.stderr)")
    for name in ["dwconv", "pwconv1", "pwconv2"] { #expect(run.stdout.contains(" \(name) ")) }
    #expect(run.stdout.contains("depthwise 7x7, sign counts"))
  }
}

/// What is not a BiDense graph, or not one bidensec lowers, is rejected with the node, its op
/// type and the pattern it was in; a damaged file with the field where reading stopped.
@Suite struct ONNXRejectionTests {
  func error(_ model: ONNXModel) -> BiDenseError? {
    #expect(throws: BiDenseError.self) { _ = try ONNXCases.lower(model) }
  }

  func node(_ model: inout ONNXModel, _ name: String, _ edit: (inout ONNXNode) -> Void) {
    let i = model.graph.nodes.firstIndex { $0.name == name }!
    edit(&model.graph.nodes[i])
  }

  func initializer(_ model: inout ONNXModel, _ name: String, _ values: (inout [Float]) -> Void)
    throws
  {
    let i = model.graph.initializers.firstIndex { $0.name == name }!
    var floats = try model.graph.initializers[i].floatValues()
    values(&floats)
    model.graph.initializers[i].floatData = []
    model.graph.initializers[i].rawData = floats.flatMap { littleEndian($0.bitPattern) }
  }

  @Test func anotherStraightThroughEstimator() throws {
    var model = try ONNXCases.model("conv3x3_same.onnx")
    // P's 2t becomes 3t: no longer ApproxSign.
    try initializer(&model, "scalar_tensor_default_5") { $0 = [3] }
    let error = error(model)
    #expect(error?.node == "node_add_5", "\(String(describing: error))")
    #expect(error?.message.contains("straight-through sign of the DAB feeding Conv") == true)
    #expect(error?.message.contains("ApproxSign") == true)
  }

  @Test func aFoldedWeightThatIsNotBinary() throws {
    var model = try ONNXCases.model("conv3x3_same.onnx")
    try initializer(&model, "add_7") { $0[17] *= 1.5 }
    let error = error(model)
    #expect(error?.node == "node_Conv_44")
    #expect(error?.message.contains("Conv: the binary weight of Conv 'node_Conv_44'") == true)
    #expect(error?.message.contains("element [0, 1, 2, 2]") == true, "\(error?.description ?? "")")
    #expect(error?.message.contains("not binary") == true)
  }

  @Test func aDABThatSubtractsTwo() throws {
    var model = try ONNXCases.model("conv3x3_same.ts.onnx")
    node(&model, "/binarizer/Constant") { constant in
      constant.attributes[0].t!.floatData = []
      constant.attributes[0].t!.rawData = littleEndian(Float(2).bitPattern)
    }
    let error = error(model)
    #expect(error?.node == "/binarizer/Sub_1")
    #expect(error?.message.hasPrefix("Sub in the DAB feeding Conv '/conv/Conv'") == true)
    #expect(error?.message.contains("mean|x − tau| − 1") == true)
  }

  @Test func anUnknownOpInsideTheDAB() throws {
    var model = try ONNXCases.model("conv3x3_same.onnx")
    node(&model, "node_abs_1") { $0.opType = "Sqrt" }
    let error = error(model)
    #expect(error?.node == "node_abs_1")
    #expect(error?.message.hasPrefix("Sqrt in the DAB feeding Conv 'node_Conv_44'") == true)
    #expect(error?.message.contains("expected Abs") == true)
  }

  @Test func aBypassThatIsNotTheCFB() throws {
    var model = try ONNXCases.model("conv3x3_down_merge.onnx")
    // The merged channels in the other order.
    node(&model, "node_cat") { $0.inputs.reverse() }
    let error = error(model)
    #expect(error?.node == "node_cat")
    #expect(error?.message.contains("neither the BiDense channel bypass") == true)
    #expect(error?.message.contains("from 48 to 20 channels") == true)
  }

  @Test func aTorchScriptBypassWithWrongArithmetic() throws {
    var model = try ONNXCases.model("conv3x3_up_repeat_merge.ts.onnx")
    // The repeat count of the copies: 2 becomes 3.
    node(&model, "/Constant_2") { constant in
      constant.attributes[0].t!.int64Data = []
      constant.attributes[0].t!.rawData = [1, 3, 1, 1].flatMap { littleEndian(Int64($0)) }
    }
    #expect(error(model) != nil)
  }

  @Test func anUnsupportedResize() throws {
    var model = try ONNXCases.model("bidense_up4.onnx")
    node(&model, "node_upsample_nearest2d") {
      let i = $0.attributes.firstIndex { $0.name == "mode" }!
      $0.attributes[i].s = Array("cubic".utf8)
    }
    let error = error(model)
    #expect(error?.node == "node_upsample_nearest2d")
    #expect(error?.message.contains("mode 'cubic'") == true)
  }

  @Test func aFloatConvolutionWhereBiDenseHasABinaryOne() throws {
    // Without its DAB the convolution reads the tensor: a float convolution, lowered as one.
    var model = try ONNXCases.model("conv3x3_same.onnx")
    node(&model, "node_Conv_44") { $0.inputs[0] = "x" }
    let graph = try ONNXCases.lower(model)
    #expect(graph.nodes.contains { if case .conv = $0.op { return true } else { return false } })
    #expect(
      !graph.nodes.contains { if case .binarize = $0.op { return true } else { return false } })
  }

  /// The DPT exports route some DAB means through `Reshape([-1]) → Gather(arange(C) as
  /// [1, C, 1, 1])`, an identity; other indices are not.
  func withGatheredMean(_ indices: [Int64]) throws -> ONNXModel {
    var model = try ONNXCases.model("conv3x3_same.onnx")
    func tensor(_ name: String, _ dims: [Int64], _ values: [Int64]) -> ONNXTensor {
      var t = ONNXTensor()
      t.name = name
      t.dims = dims
      t.dataType = .int64
      t.rawData = values.flatMap { littleEndian($0) }
      return t
    }
    model.graph.initializers += [
      tensor("flat", [1], [-1]), tensor("arange", [1, 16, 1, 1], indices),
    ]
    var reshape = ONNXNode()
    (reshape.opType, reshape.name, reshape.inputs, reshape.outputs) = (
      "Reshape", "node_view", ["mean_1", "flat"], ["view"]
    )
    var gather = ONNXNode()
    (gather.opType, gather.name, gather.inputs, gather.outputs) = (
      "Gather", "node_as_strided", ["view", "arange"], ["as_strided"]
    )
    let at = model.graph.nodes.firstIndex { $0.name == "node_sub_1" }!
    model.graph.nodes.insert(contentsOf: [reshape, gather], at: at)
    node(&model, "node_sub_1") { $0.inputs[0] = "as_strided" }
    return model
  }

  @Test func aGatheredMeanIsTheMean() throws {
    let original = try ONNXCases.lower(try ONNXCases.model("conv3x3_same.onnx"))
    let gathered = try ONNXCases.lower(try withGatheredMean((0..<16).map { $0 }))
    let inputs = try Fixtures.inputs("conv3x3_same", for: original)
    let a = try Interpreter.run(original, inputs: inputs)[original.outputs[0]]!.data
    let b = try Interpreter.run(gathered, inputs: inputs)[gathered.outputs[0]]!.data
    #expect(a == b)
    let error = error(try withGatheredMean((0..<16).map { 15 - $0 }))
    #expect(error?.node == "node_as_strided")
    #expect(error?.message.contains("not 0 … 15") == true, "\(error?.description ?? "")")
  }

  @Test func batchOfTwo() throws {
    var model = try ONNXCases.model("conv3x3_same.onnx")
    model.graph.inputs[0].type = .tensor(
      ONNXTensorType(elementType: .float, shape: [.value(2), .value(16), .value(12), .value(10)]))
    #expect(error(model)?.message.contains("batch size 2 is not supported") == true)
  }

  @Test func aSymbolicInputSize() throws {
    var model = try ONNXCases.model("conv3x3_same.onnx")
    model.graph.inputs[0].type = .tensor(
      ONNXTensorType(
        elementType: .float, shape: [.value(1), .value(16), .parameter("h"), .value(10)]))
    #expect(error(model)?.message.contains("export with a fixed input size") == true)
  }

  @Test func opsetsAndDomains() throws {
    var old = try ONNXCases.model("conv3x3_same.onnx")
    old.opsetImports = [ONNXOperatorSetID(domain: "", version: 9)]
    #expect(error(old)?.message.contains("uses opset 9") == true)
    var custom = try ONNXCases.model("conv3x3_same.onnx")
    node(&custom, "node_abs_1") { $0.domain = "com.example" }
    let error = error(custom)
    #expect(error?.node == "node_abs_1")
    #expect(error?.message.contains("domain 'com.example'") == true)
  }

  /// A model with `node`'s input `k` replaced by a new scalar float initializer.
  func withScalar(_ file: String, node name: String, input k: Int, _ value: Float) throws
    -> ONNXModel
  {
    var model = try ONNXCases.model(file)
    var scalar = ONNXTensor()
    (scalar.name, scalar.dataType) = ("edited_scalar", .float)
    scalar.rawData = littleEndian(value.bitPattern)
    model.graph.initializers.append(scalar)
    node(&model, name) { $0.inputs[k] = "edited_scalar" }
    return model
  }

  @Test func anAttentionThresholdOtherThanAQuarter() throws {
    // The threshold is the Mul after ReduceMax; with head width 16 it shares its constant with
    // the scale, so only a separate one shows that it is found by position.
    let error = error(try withScalar("vit_attention.onnx", node: "node_mul_2", input: 1, 0.3))
    #expect(error?.node == "node_mul_2", "\(String(describing: error))")
    #expect(
      error?.message.hasPrefix("Mul in the binary attention ending at 'node__unsafe_view'") == true)
    #expect(error?.message.contains("not 1/4") == true)
  }

  @Test func anAttentionScaleOtherThanTheHeadWidths() throws {
    let error = error(try withScalar("vit_attention.onnx", node: "node_mul_1", input: 1, 0.3))
    #expect(error?.node == "node_mul_1", "\(String(describing: error))")
    #expect(error?.message.contains("not by 1/√16") == true)
  }

  @Test func aGELUWithAnotherConstant() throws {
    let error = error(try withScalar("vit_block.onnx", node: "node_Div_72", input: 1, 1.5))
    #expect(error?.node == "node_Div_72", "\(String(describing: error))")
    #expect(error?.message.hasPrefix("Div in the GELU ending at 'node_gelu'") == true)
    #expect(error?.message.contains("√2") == true)
  }

  @Test func aLinearWeightThatIsNotBinary() throws {
    var model = try ONNXCases.model("vit_linear_ste.onnx")
    try initializer(&model, "val_6") { $0[7] = $0[7] * 1.5 + 0.01 }
    let error = error(model)
    #expect(error?.node == "node_linear", "\(String(describing: error))")
    #expect(error?.message.hasPrefix("MatMul: the binary linear layer 'node_linear'") == true)
    #expect(error?.message.contains("weight element [0, 7]") == true)
    #expect(error?.message.contains("not binary") == true)
  }

  @Test func aFloatLinearLayer() throws {
    var model = try ONNXCases.model("vit_linear_ste.onnx")
    let input = model.graph.inputs[0].name
    node(&model, "node_linear") { $0.inputs[0] = input }
    let error = error(model)
    #expect(error?.node == "node_linear", "\(String(describing: error))")
    #expect(error?.message.contains("float linear layers are not supported") == true)
  }

  @Test func anAntialiasedResize() throws {
    var model = try ONNXCases.model("fusion_block.onnx")
    let i = model.graph.nodes.firstIndex { $0.opType == "Resize" }!
    let a = model.graph.nodes[i].attributes.firstIndex { $0.name == "antialias" }!
    model.graph.nodes[i].attributes[a].i = 1
    let error = error(model)
    #expect(error?.node == model.graph.nodes[i].name)
    #expect(error?.message.hasPrefix("Resize: antialiased resizing (antialias=1)") == true)
  }

  @Test func weightsDoNotApplyToONNX() {
    let run = CommandRun([
      "inspect", Fixtures.path("conv3x3_same.onnx", ""), "--weights",
      Fixtures.path("conv3x3_same", ".safetensors"),
    ])
    #expect(run.status == 1)
    #expect(run.stderr.contains("an ONNX model carries its weights"))
  }

  /// A file is ONNX by its extension, or by its first byte when it has another.
  @Test func recognisedByContentToo() throws {
    let folder = TemporaryFolder()
    let copy = folder.write(
      "model.bin", try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("transition.onnx", ""))))
    let loaded = try ModelLoader.load(copy, weights: nil)
    #expect(
      loaded.graph.nodes.contains { if case .avgPool = $0.op { return true } else { return false } }
    )
  }

  @Test func aTruncatedFileIsOneError() throws {
    let folder = TemporaryFolder()
    let bytes = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("conv3x3_same.onnx", "")))
    let cut = folder.write("cut.onnx", bytes.prefix(20_000))
    let run = CommandRun(["inspect", cut])
    #expect(run.status == 1)
    #expect(run.stderr.hasPrefix("bidensec: error: \(cut): graph"), "\(run.stderr)")
    #expect(run.stderr.contains("runs past the end"))
    #expect(run.stderr.split(separator: "\n").count == 1)
  }
}

/// The importer's primitive graph against the ONNX graph itself, run op by op from the ONNX
/// definitions (ONNXReferenceRunner): on every export, on its reference input.
@Suite struct ONNXDifferentialTests {
  @Test(arguments: ONNXCases.all)
  func theImportComputesWhatTheGraphComputes(_ file: String) throws {
    let model = try ONNXCases.model(file)
    let graph = try ONNXCases.lower(model)
    let base = ONNXCases.base(file)
    let inputs = try Fixtures.inputs(base, for: graph)
    let onnx = try ONNXReferenceRunner(model: model).run(
      inputs.map { TensorValue(shape: $0.shape.dimensions, floats: $0.data) })
    // Every output, in order (the ViT encoder has four).
    let reference = try onnx.flatMap { try $0.floats() }
    let values = try Interpreter.run(graph, inputs: inputs)
    let ir = graph.outputs.flatMap { values[$0]!.data }
    // The runner is ONNX as written: it matches PyTorch's output...
    let pytorch = try Fixtures.floats(base, ".output.f32")
    #expect(Agreement(actual: reference, reference: pytorch).outside == 0, "\(file)")
    // ...and so does the import.
    #expect(Agreement(actual: ir, reference: reference).outside == 0, "\(file)")
  }
}
