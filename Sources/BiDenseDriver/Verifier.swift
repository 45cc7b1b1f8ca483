import BiDenseCodegen
import BiDenseFrontend
import BiDenseIR
import BiDensePasses
import BiDenseReference
import BiDenseTemplates
import Foundation

/// Checks generated C against the interpreter: compiles it for a target, runs it there (on
/// this machine or under an emulator) with tracing on, then compares every fused node with teacher forcing (the interpreter evaluates
/// the node on the inputs the C itself computed) and the whole model end to end.
public struct Verifier {
  public struct Options: Sendable {
    /// Where the C is compiled for and run.
    public var target = Target.host
    /// The C compiler, or nil for the target's.
    public var compiler: String?
    /// Flags replacing the target's optimisation flags (its architecture flags stay).
    public var flags: [String]?
    /// The model's input, or nil for a seeded random one.
    public var input: [Float]?
    public var inputSource = "seeded random input"
    /// The expected output, compared with the C's when given.
    public var expect: [Float]?
    public var seed: UInt64 = 1
    public var timeout: TimeInterval = 900

    public init() {}
  }

  /// The comparison of one fused node.
  public struct Layer: Sendable {
    public var index: Int
    public var name: String
    public var kind: String
    public var agreement: Agreement
    /// Under an approximation, the C against the exact model's node on the same inputs.
    public var exact: Agreement?
    /// Inputs whose |x − tau| lies within float rounding of 0: one bit may differ there.
    public var ties: Int
    /// Outputs outside the bound with no tie in their window.
    public var unexplained: Int
    public var passed: Bool { unexplained == 0 }
  }

  public struct Report: Sendable {
    public var layers: [Layer]
    /// The C's output against the interpreter run from the same input, end to end.
    public var endToEnd: Agreement
    public var expected: Agreement?
    /// Under an approximation, the C's output against the exact model's, end to end.
    public var exactEndToEnd: Agreement?
    public var compileCommand: String
    public var target: String
    public var runCommand: String
    /// Stack bytes the run used, where the harness measures it (bare metal).
    public var stackBytes: Int?
    /// Instructions one untraced run executed, where the emulator counts them (Cortex-M).
    public var instructions: Int?
    public var passed: Bool {
      layers.allSatisfy(\.passed) && (expected.map { $0.outside == 0 } ?? true)
    }
  }

  public let model: CompiledModel
  public let options: Options

  public init(model: CompiledModel, options: Options) {
    self.model = model
    self.options = options
  }

  public func run(progress: (String) -> Void = { _ in }) throws -> Report {
    let graph = model.graph
    let shapes = graph.inputs.map { graph[$0].shape }
    let inputValues: [Float]
    if let given = options.input {
      inputValues = given
    } else {
      var random = SeededRandom(seed: options.seed)
      inputValues = random.normals(shapes.reduce(0) { $0 + $1.count })
    }
    let inputs = try RawFloats.split(inputValues, shapes: shapes, file: options.inputSource)
    if let expect = options.expect, expect.count != model.plan.outputFloats {
      throw BiDenseError(
        "the expected output holds \(expect.count) floats but the model produces "
          + "\(model.plan.outputFloats)")
    }

    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("bidensec-verify-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let target = options.target
    progress("compiling the C for \(target.name) with \(options.compiler ?? target.compiler)")
    let program = try TargetProgram.build(
      model, for: target, in: directory, compiler: options.compiler, optimization: options.flags,
      trace: true, timeout: options.timeout)
    progress("running the compiled model on \(target.name)")
    let ran = try program.run(input: inputValues, timeout: options.timeout)
    let output = try program.output()
    let trace = try Self.readTrace(directory.appendingPathComponent("trace.bin").path)

    progress("comparing \(model.schedule.nodes.count) nodes with the interpreter")
    let layers = try compareLayers(inputs: inputs, trace: trace)

    progress("running the interpreter end to end")
    let values = try Interpreter.run(graph, inputs: inputs)
    let reference = graph.outputs.flatMap { values[$0]!.data }
    let endToEnd = Agreement(actual: output, reference: reference)
    let expected = options.expect.map { Agreement(actual: output, reference: $0) }
    var exactEndToEnd: Agreement?
    if model.isApproximate {
      progress("running the exact model end to end")
      let exact = try Interpreter.run(model.exactGraph, inputs: inputs)
      exactEndToEnd = Agreement(
        actual: output, reference: model.exactGraph.outputs.flatMap { exact[$0]!.data })
    }
    return Report(
      layers: layers, endToEnd: endToEnd, expected: expected, exactEndToEnd: exactEndToEnd,
      compileCommand: Shell.quoted(program.compileCommand), target: target.name,
      runCommand: program.runCommand, stackBytes: ran.stackBytes, instructions: ran.instructions)
  }

  /// Reads trace.bin: per fused node, int32 index, int32 count, then count floats.
  static func readTrace(_ path: String) throws -> [Int: [Float]] {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw BiDenseError(file: path, "the compiled model wrote no trace")
    }
    let words = RawFloats.decode(data)
    // A node traced in several calls (ternary signs, in chunks) has its values in order.
    var result: [Int: [Float]] = [:]
    var i = 0
    while i + 2 <= words.count {
      let index = Int(Int32(bitPattern: words[i].bitPattern))
      let count = Int(Int32(bitPattern: words[i + 1].bitPattern))
      guard count >= 0, i + 2 + count <= words.count else {
        throw BiDenseError(file: path, "the trace is truncated at node \(index)")
      }
      result[index, default: []] += words[(i + 2)..<(i + 2 + count)]
      i += 2 + count
    }
    return result
  }

  func compareLayers(inputs: [Tensor], trace: [Int: [Float]]) throws -> [Layer] {
    let graph = model.graph
    var known: [ValueID: Tensor] = [:]
    for (id, tensor) in zip(graph.inputs, inputs) { known[id] = tensor }
    var layers: [Layer] = []
    for (index, kernel) in model.schedule.nodes.enumerated() {
      guard let values = trace[index] else {
        throw BiDenseError(node: kernel.name, "the compiled model did not trace node \(index)")
      }
      let shape = graph[kernel.output].shape
      guard values.count == shape.count else {
        throw BiDenseError(
          node: kernel.name, "traced \(values.count) values, expected \(shape.count)")
      }
      var given: [ValueID: Tensor] = [:]
      for input in kernel.inputs { given[input] = known[input]! }
      let computed = Interpreter.run(graph, nodes: kernel.ops, given: given)
      let lowered = model.lowered.kernels[index]
      var reference = computed[kernel.output]!
      if lowered.output.ternary != nil {
        // Only the signs are kept: those are what must agree.
        reference.data = reference.data.map { Float(Ternary.sign($0)) }
      }
      let agreement = Agreement(actual: values, reference: reference.data)
      var exact: Agreement?
      if model.isApproximate {
        var exactValue = Interpreter.run(model.exactGraph, nodes: kernel.ops, given: given)[
          kernel.output]!.data
        if lowered.output.ternary != nil { exactValue = exactValue.map { Float(Ternary.sign($0)) } }
        exact = Agreement(actual: values, reference: exactValue)
      }
      let (ties, affected) =
        lowered.output.ternary != nil
        ? Self.ternaryTies(lowered, graph, computed)
        : Self.ties(kernel, graph, given, reach: agreement.outside > 0)
      let unexplained = agreement.outsideIndices.filter { !affected.contains($0) }.count
      layers.append(
        Layer(
          index: index, name: kernel.name, kind: model.kindName(index),
          agreement: agreement, exact: exact, ties: ties, unexplained: unexplained))
      known[kernel.output] = Tensor(shape: shape, data: values)
    }
    return layers
  }

  /// The ternary ties of a kernel that stores its output's signs: the elements whose value
  /// before the sign lies within float rounding of 0, so that the C's sign may be −1, 0 or +1
  /// where the interpreter's is another. The rounding is measured against the magnitudes the
  /// value is computed from: for a LayerNorm (|x| + |mean|) · rstd · |weight| + |bias|, for a
  /// binary linear layer |scale · dot| + |bias|, and every later step's |value|. The attention's
  /// counts are integers: no ties. A flipped sign changes its own element only.
  static func ternaryTies(_ kernel: Kernel, _ graph: Graph, _ values: [ValueID: Tensor]) -> (
    count: Int, affected: Set<Int>
  ) {
    guard case .primitive(let id) = kernel.node.body, let principal = values[id] else {
      return (0, [])
    }
    let shape = principal.shape
    var magnitude = [Float](repeating: 0, count: shape.count)
    switch graph[id].op {
    case .layerNorm(let norm):
      guard let x = values[graph[id].inputs[0]] else { return (0, []) }
      for t in 0..<shape.tokens {
        let row = x.data[(t * shape.channels)..<((t + 1) * shape.channels)]
        let (mean, rstd) = Interpreter.layerNormStatistics(row, epsilon: norm.epsilon)
        for (c, v) in row.enumerated() {
          magnitude[t * shape.channels + c] =
            (abs(v) + abs(mean)) * rstd * abs(norm.weight[c]) + abs(norm.bias[c])
        }
      }
    case .binaryLinear(let linear):
      for i in magnitude.indices {
        let bias = linear.bias[i % shape.channels]
        magnitude[i] = abs(principal.data[i] - bias) + abs(bias)
      }
    case .attention:
      return (0, [])
    case .input, .binarize, .binaryConv, .conv, .channelBypass, .add, .concat, .avgPool,
      .adaptiveAvgPool, .resizeBilinear, .upsampleNearest, .elementwise, .imageToTokens,
      .tokensToImage, .prependToken, .addConstant, .sliceTokens, .appendTokenToRows,
      .channelBypass1D, .resizeAntialiased:
      return (0, [])
    }
    // The value the sign is taken of: the last step's, or GELU's input when the kernel
    // decides GELU's sign from it.
    var chain = kernel.node.epilogue
    if case .binaryLinear(let k) = kernel.kind, k.geluSign { chain.removeLast() }
    for step in chain {
      guard let value = values[step] else { continue }
      for i in magnitude.indices { magnitude[i] += abs(value.data[i]) }
    }
    guard let signed = values[chain.last ?? id] else { return (0, []) }
    var affected = Set<Int>()
    for i in magnitude.indices {
      let tolerance = 16 * Float.ulpOfOne * magnitude[i] + Float.leastNormalMagnitude
      if tolerance.isFinite, abs(signed.data[i]) <= tolerance { affected.insert(i) }
    }
    return (affected.count, affected)
  }

  /// The binarization ties of a kernel's inputs, and (when `reach` is set) the output elements
  /// a flipped bit at a tie can reach: the convolution window over the tied input elements.
  static func ties(_ kernel: FusedNode, _ graph: Graph, _ given: [ValueID: Tensor], reach: Bool)
    -> (
      count: Int, affected: Set<Int>
    )
  {
    guard case .binaryConv(let fused) = kernel.body,
      case .binarize(let params) = graph[fused.binarize].op,
      case .binaryConv(let conv) = graph[fused.conv].op,
      let x = given[graph[fused.binarize].inputs[0]]
    else { return (0, []) }
    let stats = Interpreter.binarizerStatistics(x, params)
    let pixels = x.shape.pixels
    let rounding = Float.ulpOfOne
    var indicator = Tensor(zeros: x.shape)
    var count = 0
    for c in 0..<x.shape.channels {
      var meanAbs: Float = 0
      for i in (c * pixels)..<((c + 1) * pixels) { meanAbs += abs(x.data[i]) / Float(pixels) }
      // The C's compensated sums put its mean within a few ulps of the reference's, so its
      // threshold may sit this far away.
      let tolerance =
        abs(params.k[c]) * 4 * rounding * meanAbs + 4 * rounding * abs(stats.threshold[c])
        + Float.leastNormalMagnitude
      // With an infinite input the statistics are not numbers: no rounding explains anything.
      guard tolerance.isFinite, stats.scale[c].isFinite else { continue }
      for i in (c * pixels)..<((c + 1) * pixels)
      where abs(x.data[i] - stats.threshold[c]) <= tolerance {
        indicator.data[i] = 1
        count += 1
      }
    }
    guard count > 0, reach else { return (count, []) }
    var spread = conv
    spread.weight = [Float](repeating: 1, count: conv.weight.count)
    spread.bias = nil
    let spreadOut = Interpreter.convolve(indicator, spread, graph[fused.conv].shape)
    var affected = Set<Int>()
    for (i, v) in spreadOut.data.enumerated() where v > 0 { affected.insert(i) }
    return (count, affected)
  }
}
