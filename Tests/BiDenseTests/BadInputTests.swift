import Foundation
import Testing

@testable import BiDenseCLI
@testable import BiDenseCodegen
@testable import BiDenseDriver
@testable import BiDenseFrontend
@testable import BiDenseIR
@testable import BiDensePasses
@testable import BiDenseReference

/// Each kind of bad input gets one line naming the file, the node and the value, and a
/// non-zero exit status.
@Suite struct BadInputTests {
  let folder = TemporaryFolder()

  /// A model spec for one BiDenseConv2d and weights that match it.
  func conv(
    inChannels: Int = 8, outChannels: Int = 8, kernel: Int = 3, stride: Int = 1,
    padding: Int = 1, input: [Int] = [1, 8, 6, 6], bypass: Bool = true,
    weightShape: [Int]? = nil, drop: String? = nil
  ) -> (spec: String, weights: String) {
    let spec = folder.write(
      "model.json",
      """
      {"module": "BiDenseConv2d", "constructor": {"in_channels": \(inChannels), \
      "out_channels": \(outChannels), "kernel_size": \(kernel), "stride": \(stride), \
      "padding": \(padding), "bypass": \(bypass)}, "inputs": [\(input)]}
      """)
    var tensors: [String: NamedTensor] = [:]
    func add(_ name: String, _ shape: [Int]) {
      tensors[name] = NamedTensor(
        shape: shape, values: [Float](repeating: 0.5, count: shape.reduce(1, *)))
    }
    for p in ["alpha", "k", "b"] { add("binarizer.\(p)", [1, inChannels, 1, 1]) }
    add("conv.weight", weightShape ?? [outChannels, inChannels, kernel, kernel])
    for p in ["weight", "bias", "running_mean", "running_var"] { add("norm.\(p)", [outChannels]) }
    if let drop { tensors[drop] = nil }
    let weights = folder.write("model.safetensors", Safetensors.serialize(tensors))
    return (spec, weights)
  }

  /// A safetensors file with a hand-written header and payload.
  func rawSafetensors(_ name: String, header: String, payload: [UInt8]) -> String {
    var data = Data()
    var length = UInt64(header.utf8.count).littleEndian
    withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
    data.append(contentsOf: Array(header.utf8) + payload)
    return folder.write(name, data)
  }

  func run(_ spec: String, _ weights: String) -> CommandRun {
    CommandRun(["generate", spec, "--weights", weights, "-o", folder.path("out")])
  }

  /// One line on standard error that holds every expected fragment; a non-zero status.
  func expectError(
    _ run: CommandRun, _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(run.status != 0, sourceLocation: sourceLocation)
    let lines = run.stderr.split(separator: "\n")
    #expect(lines.count == 1, "\(run.stderr)", sourceLocation: sourceLocation)
    for fragment in fragments {
      #expect(
        run.stderr.contains(fragment), "missing '\(fragment)' in: \(run.stderr)",
        sourceLocation: sourceLocation)
    }
  }

  @Test func theGoodCaseWorks() {
    let (spec, weights) = conv()
    #expect(run(spec, weights).status == 0)
  }

  @Test func missingModelFile() {
    let run = CommandRun(["generate", folder.path("absent.json")])
    expectError(run, ["absent.json", "no such model file"])
  }

  @Test func missingWeightsFile() {
    let (spec, _) = conv()
    expectError(
      run(spec, folder.path("absent.safetensors")), ["absent.safetensors", "cannot read"])
  }

  @Test func corruptJSON() {
    let (_, weights) = conv()
    let spec = folder.write("broken.json", "{\"module\": \"BiDenseConv2d\", \"constructor\": {")
    expectError(run(spec, weights), ["broken.json", "not valid JSON", "line 1"])
  }

  @Test func truncatedSafetensors() {
    let (spec, _) = conv()
    let weights = folder.write("short.safetensors", Data([1, 2, 3]))
    expectError(run(spec, weights), ["short.safetensors", "too short"])
  }

  @Test func safetensorsHeaderPastTheEnd() {
    let (spec, weights) = conv()
    var data = try! Data(contentsOf: URL(fileURLWithPath: weights))
    data[0] = 0xFF
    data[1] = 0xFF
    let broken = folder.write("long.safetensors", data)
    expectError(run(spec, broken), ["long.safetensors", "header length", "past the end"])
  }

  @Test func corruptSafetensorsHeader() {
    let (spec, _) = conv()
    var data = Data([12, 0, 0, 0, 0, 0, 0, 0])
    data.append(contentsOf: Array("{\"a\": [1, 2".utf8) + [0x20])
    let weights = folder.write("header.safetensors", data)
    expectError(run(spec, weights), ["header.safetensors", "safetensors header", "not valid JSON"])
  }

  @Test func tensorOffsetsPastTheEnd() {
    let (spec, _) = conv()
    let weights = rawSafetensors(
      "offsets.safetensors",
      header: #"{"conv.weight": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4096]}}"#,
      payload: [UInt8](repeating: 0, count: 8))
    expectError(run(spec, weights), ["offsets.safetensors", "conv.weight", "[0, 4096]"])
  }

  @Test func unsupportedDtype() {
    let (spec, _) = conv()
    let weights = rawSafetensors(
      "dtype.safetensors",
      header: #"{"conv.weight": {"dtype": "I8", "shape": [2], "data_offsets": [0, 2]}}"#,
      payload: [1, 2])
    expectError(run(spec, weights), ["dtype.safetensors", "conv.weight", "I8"])
  }

  @Test func unknownModule() {
    let (_, weights) = conv()
    let spec = folder.write("m.json", "{\"module\": \"Conv9000\", \"inputs\": [[1, 8, 6, 6]]}")
    expectError(run(spec, weights), ["m.json", "Conv9000", "unknown module"])
  }

  @Test func unknownOpInANativeGraph() {
    let (_, weights) = conv()
    let spec = folder.write(
      "g.json",
      """
      {"inputs": [{"name": "x", "shape": [1, 8, 6, 6]}],
       "nodes": [{"name": "mystery", "op": "Frobnicate", "inputs": ["x"]}], "outputs": ["mystery"]}
      """)
    expectError(run(spec, weights), ["g.json", "node 'mystery'", "Frobnicate"])
  }

  @Test func missingParameter() {
    let (spec, weights) = conv(drop: "norm.running_var")
    expectError(run(spec, weights), ["model.safetensors", "norm.running_var", "missing parameter"])
  }

  @Test func misShapedParameter() {
    let (spec, weights) = conv(weightShape: [8, 8, 5, 5])
    expectError(
      run(spec, weights), ["model.safetensors", "conv.weight", "[8, 8, 5, 5]", "[8, 8, 3, 3]"])
  }

  @Test func bypassWithMergeOne() {
    let (spec, weights) = conv(outChannels: 9)
    expectError(run(spec, weights), ["model.json", "node 'bypass'", "merge == 1", "8 to 9"])
  }

  @Test func batchLargerThanOne() {
    let (spec, weights) = conv(input: [2, 8, 6, 6])
    expectError(run(spec, weights), ["model.json", "node 'input'", "batch size 2"])
  }

  @Test(arguments: [0, -2])
  func nonPositiveStride(_ stride: Int) {
    let (spec, weights) = conv(stride: stride, bypass: false)
    expectError(
      run(spec, weights),
      ["model.json", "node 'BiDenseConv2d'", "'constructor.stride' is \(stride)", "1…2^20"])
  }

  @Test func kernelLargerThanThePaddedInput() {
    let (spec, weights) = conv(kernel: 9, padding: 0, input: [1, 8, 6, 6], bypass: false)
    expectError(run(spec, weights), ["model.json", "node 'conv'", "9x9", "6x6"])
  }

  /// Weights that take values past √FLT_MAX: LayerNorm's spread overflows in float32, the C
  /// and the interpreter part there, and verify says so instead of only naming the node.
  @Test func verifyExplainsValuesPastFloat32Squares() throws {
    var tensors = try Safetensors.read(path: Fixtures.path("vit_block", ".safetensors"))
    let gamma = try #require(tensors["ls1.gamma"])
    tensors["ls1.gamma"] = NamedTensor(
      shape: gamma.shape, values: [Float](repeating: 1e30, count: gamma.values.count))
    let weights = folder.write("huge.safetensors", Safetensors.serialize(tensors))
    let run = CommandRun(["verify", Fixtures.path("vit_block", ".json"), "--weights", weights])
    #expect(run.status != 0)
    #expect(run.stdout.contains("FAILED"), "\(run.stdout)")
    #expect(run.stdout.contains("at node 3 'attn.proj', beyond 1.84e+19"), "\(run.stdout)")
    #expect(run.stdout.contains("overflow"))
  }

  @Test func wrongInputFileSize() {
    let (spec, weights) = conv()
    let input = folder.write("x.f32", RawFloats.encode([1, 2, 3]))
    let run = CommandRun(["verify", spec, "--weights", weights, "--input", input])
    expectError(run, ["x.f32", "3 floats", "288"])
  }

  /// A model spec for one BiDenseConv2d with the given constructor text, and good weights for
  /// 8 -> 8 channels, 3x3.
  func spec(_ constructor: String, input: String = "[1, 8, 6, 6]", extra: String = "") -> (
    spec: String, weights: String
  ) {
    let (_, weights) = conv()
    let spec = folder.write(
      "spec.json",
      "{\"module\": \"BiDenseConv2d\", \"constructor\": {\(constructor)}, \"inputs\": [\(input)]\(extra)}"
    )
    return (spec, weights)
  }

  @Test func unknownAttribute() {
    let (spec, weights) = spec(#""in_channels": 8, "out_channels": 8, "kernal_size": 3"#)
    expectError(
      run(spec, weights),
      [
        "spec.json", "node 'BiDenseConv2d'", "no attribute 'kernal_size'",
        "'constructor.kernal_size'",
      ])
  }

  @Test func unknownAttributeInANativeGraph() {
    let (_, weights) = conv()
    let graph = folder.write(
      "g.json",
      """
      {"inputs": [{"name": "x", "shape": [1, 8, 6, 6]}],
       "nodes": [{"name": "pool", "op": "AvgPool2d", "inputs": ["x"],
                  "attributes": {"kernel_size": 2, "strides": 2}}],
       "outputs": ["pool"]}
      """)
    expectError(
      run(graph, weights),
      [
        "g.json", "node 'pool'", "AvgPool2d has no attribute 'strides'",
        "nodes[0].attributes.strides",
      ])
  }

  /// Values that trapped or allocated terabytes before the table checked them.
  @Test(arguments: [
    ("in_channels", "2147483648"), ("in_channels", "-1"), ("in_channels", "0"),
    ("out_channels", "9223372036854775808"), ("kernel_size", "0"), ("kernel_size", "-2147483648"),
    ("kernel_size", "[3, -1]"), ("groups", "0"), ("dilation", "1e308"), ("padding", "-1"),
    ("stride", "\"3\""), ("padding", "null"), ("bias", "1"), ("kernel_size", "[1, 2, 3]"),
  ])
  func hostileConstructorValue(_ name: String, _ value: String) {
    var fields = ["\"in_channels\": 8", "\"out_channels\": 8"].filter { !$0.contains(name) }
    fields.append("\"\(name)\": \(value)")
    let (spec, weights) = spec(fields.joined(separator: ", "))
    expectError(run(spec, weights), ["spec.json", "node 'BiDenseConv2d'", "'constructor.\(name)'"])
  }

  @Test func groupsMustDivideTheChannels() {
    let (spec, weights) = spec(#""in_channels": 8, "out_channels": 8, "groups": 3, "padding": 1"#)
    expectError(run(spec, weights), ["spec.json", "node 'conv'", "groups 3", "8 and 8"])
  }

  /// A weight too large for the limits is rejected before it is read or allocated.
  @Test func oversizedWeight() {
    let (spec, weights) = spec(#""in_channels": 65536, "out_channels": 65536, "bypass": false"#)
    expectError(
      run(spec, weights),
      [
        "spec.json", "node 'conv'", "[65536, 65536, 3, 3]", "38654705664 elements",
        "--max-tensor-elements",
      ])
  }

  @Test func oversizedInput() {
    let (spec, weights) = spec(
      #""in_channels": 8, "out_channels": 8, "padding": 1"#, input: "[1, 8, 1000000, 1000000]")
    expectError(
      run(spec, weights),
      ["spec.json", "node 'input'", "8000000000000 elements", "134217728", "--max-tensor-elements"])
  }

  @Test func oversizedOutput() {
    let (spec, weights) = spec(
      #""in_channels": 8, "out_channels": 8, "padding": 100000, "bypass": false"#)
    expectError(
      run(spec, weights), ["spec.json", "node 'conv'", "output shape", "--max-tensor-elements"])
  }

  /// The limit is an option: lowered, the good case fails; raised back, it passes.
  @Test func theTensorLimitIsAnOption() {
    let (spec, weights) = conv()
    let out = folder.path("out")
    let low = CommandRun(
      ["generate", spec, "--weights", weights, "-o", out, "--max-tensor-elements", "100"])
    expectError(low, ["model.json", "288 elements", "limit of 100", "--max-tensor-elements"])
    let enough = CommandRun(
      ["generate", spec, "--weights", weights, "-o", out, "--max-tensor-elements=1000"])
    #expect(enough.status == 0, "\(enough.stderr)")
    #expect(CommandRun(["generate", spec, "--max-tensor-elements", "0"]).status == 2)
    #expect(CommandRun(["inspect", spec, "--max-workspace-bytes", "x"]).status == 2)
  }

  @Test func theLimitsReachTheLoadedModel() throws {
    let (spec, weights) = conv()
    let limits = WorkLimits(maxTensorElements: 5000, maxWorkspaceBytes: 12345)
    let loaded = try ModelLoader.load(spec, weights: weights, limits: limits)
    #expect(loaded.limits == limits)
    let args = try Arguments(
      ["--max-workspace-bytes", "4096"], options: Option.limits, operands: 0)
    #expect(try CommandLineTool.limits(args) == WorkLimits(maxWorkspaceBytes: 4096))
  }

  @Test func unknownModelSpecField() {
    let (spec, weights) = spec(
      #""in_channels": 8, "out_channels": 8, "padding": 1"#, extra: #", "contructor": {}"#)
    expectError(run(spec, weights), ["spec.json", "has no field 'contructor'"])
  }

  @Test func outputsMustBeWhatTheModuleComputes() {
    let (spec, weights) = spec(
      #""in_channels": 8, "out_channels": 8, "padding": 1"#, extra: #", "outputs": [[1, 8, 5, 5]]"#)
    expectError(run(spec, weights), ["spec.json", "[[1, 8, 5, 5]]", "[[1, 8, 6, 6]]"])
  }

  @Test func listedParametersMustBeInTheWeights() {
    let (spec, weights) = spec(
      #""in_channels": 8, "out_channels": 8, "padding": 1"#,
      extra: #", "parameters": {"conv.weight": [8, 8, 5, 5]}"#)
    expectError(run(spec, weights), ["model.safetensors", "conv.weight", "[8, 8, 5, 5]"])
  }

  @Test func overlappingTensors() {
    let (spec, _) = conv()
    let weights = rawSafetensors(
      "overlap.safetensors",
      header: #"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "#
        + #""b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}"#,
      payload: [UInt8](repeating: 0, count: 12))
    expectError(run(spec, weights), ["overlap.safetensors", "'b'", "overlap", "'a'"])
  }

  @Test func shapeWhoseElementCountOverflows() {
    let (spec, _) = conv()
    let weights = rawSafetensors(
      "huge.safetensors",
      header:
        #"{"a": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 8]}}"#,
      payload: [UInt8](repeating: 0, count: 8))
    expectError(run(spec, weights), ["huge.safetensors", "'a'", "more than 2^63"])
  }

  @Test func tensorBytesDisagreeWithTheShape() {
    let (spec, _) = conv()
    let weights = rawSafetensors(
      "short.safetensors",
      header: #"{"a": {"dtype": "F16", "shape": [3], "data_offsets": [0, 8]}}"#,
      payload: [UInt8](repeating: 0, count: 8))
    expectError(run(spec, weights), ["short.safetensors", "'a'", "holds 8 bytes", "needs 6"])
  }

  @Test func usageErrorsExitWithTwo() {
    #expect(CommandRun(["generate", "--frobnicate"]).status == 2)
    #expect(CommandRun(["transmogrify"]).status == 2)
    #expect(CommandRun([]).status == 2)
  }
}
