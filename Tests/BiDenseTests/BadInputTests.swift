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

  @Test func wrongInputFileSize() {
    let (spec, weights) = conv()
    let input = folder.write("x.f32", RawFloats.encode([1, 2, 3]))
    let run = CommandRun(["verify", spec, "--weights", weights, "--input", input])
    expectError(run, ["x.f32", "3 floats", "288"])
  }

  @Test func usageErrorsExitWithTwo() {
    #expect(CommandRun(["generate", "--frobnicate"]).status == 2)
    #expect(CommandRun(["transmogrify"]).status == 2)
    #expect(CommandRun([]).status == 2)
  }
}
