import Foundation
import Testing

@testable import BiDenseCLI
@testable import BiDenseCodegen
@testable import BiDenseDriver
@testable import BiDenseFrontend
@testable import BiDenseIR
@testable import BiDensePasses
@testable import BiDenseReference

/// The BiDense-DPT semantics the reference cases do not pin down alone: the integer attention
/// rule, GELU's float32 underflow, the packed layout, the layouts each op takes, and the model
/// spec's `source` and `call`.
@Suite struct ViTTests {
  /// The integer rule keeps exactly the keys whose softmax weight (in double) reaches a quarter
  /// of the row's largest, for random ternary queries and keys at several head widths.
  @Test(arguments: [3, 8, 12, 16, 24, 64, 100])
  func theIntegerAttentionRuleIsTheSoftmaxRule(_ headDim: Int) {
    var random = SeededRandom(seed: UInt64(headDim))
    let margin = BinaryAttention.keepMargin(headDim: headDim)
    let tokens = 40
    func ternary() -> [Int] {
      (0..<headDim).map { _ in
        let u = random.uniform()
        return u < 0.1 ? 0 : (u < 0.55 ? 1 : -1)
      }
    }
    for _ in 0..<20 {
      let q = ternary()
      let keys = (0..<tokens).map { _ in ternary() }
      let scores = keys.map { k in zip(q, k).reduce(0) { $0 + $1.0 * $1.1 } }
      let best = scores.max()!
      let logits = scores.map { Double($0) / Double(headDim).squareRoot() }
      let top = logits.max()!
      let weights = logits.map { exp($0 - top) }
      let total = weights.reduce(0, +)
      let largest = weights.max()! / total
      for (g, w) in zip(scores, weights) {
        #expect((best - g <= margin) == (w / total >= 0.25 * largest), "hd \(headDim), G \(g)")
      }
    }
    #expect(BinaryAttention.keepMargin(headDim: 64) == 11)
    #expect(BinaryAttention.keepMargin(headDim: 16) == 5)
  }

  /// GELU is −0 from the threshold down and negative just above it; the sign taken from h
  /// agrees with the sign of the float32 value everywhere around it and near 0.
  @Test func geluUnderflowsAtItsThreshold() {
    let t = GELU.underflowThreshold
    #expect(t > -5.55 && t < -5.53)
    #expect(GELU.value(t) == 0 && GELU.value(t.nextDown) == 0)
    #expect(GELU.value(t.nextUp) < 0)
    var h: Float = -6
    while h < 1 {
      #expect(GELU.sign(h) == Ternary.sign(GELU.value(h)), "h = \(h)")
      h += 0.0137
    }
    for h in [t, t.nextUp, 0, -0.0, Float.leastNonzeroMagnitude, -Float.leastNonzeroMagnitude] {
      #expect(GELU.sign(h) == Ternary.sign(GELU.value(h)), "h = \(h)")
    }
  }

  /// Segments start new words; channels past a segment's end stay in it.
  @Test func ternaryLayoutSegmentsStartNewWords() {
    let plain = TernaryLayout(tokens: 3, channels: 100, wordBits: 64)
    #expect(plain.rowWords == 2 && plain.rowStride == 4 && plain.bytes == 3 * 4 * 8)
    #expect(plain.position(of: 70) == (1, 6))
    let heads = TernaryLayout(tokens: 3, channels: 72, segment: 12, wordBits: 32)
    #expect(heads.segments == 6 && heads.segmentWords == 1 && heads.rowWords == 6)
    #expect(heads.position(of: 25) == (2, 1))
    let wide = TernaryLayout(tokens: 1, channels: 6 * 40, segment: 40, wordBits: 32)
    #expect(wide.segmentWords == 2 && wide.position(of: 75) == (3, 3))
  }

  /// Token ops refuse images and image ops refuse tokens, naming the layouts.
  @Test func opsRejectTheOtherLayout() throws {
    var b = GraphBuilder(name: "t")
    let tokens = try b.input("x", shape: [1, 5, 8])
    #expect(b.shape(tokens) == TensorShape(tokens: 5, channels: 8))
    let error = #expect(throws: BiDenseError.self) {
      _ = try b.avgPool("pool", tokens, Window(kernel: (2, 2)))
    }
    #expect(error?.message.contains("takes an image [1, C, H, W], but its input is tokens") == true)
    let image = try b.input("y", shape: [1, 8, 2, 3])
    #expect(throws: BiDenseError.self) {
      _ = try b.layerNorm("ln", image, LayerNorm(weight: [], bias: [], epsilon: 1e-6))
    }
    let flat = try b.imageToTokens("flat", image)
    #expect(b.shape(flat) == TensorShape(tokens: 6, channels: 8))
    #expect(throws: BiDenseError.self) {
      _ = try b.tokensToImage("back", flat, height: 4, width: 2)
    }
    _ = try b.add("sum", try b.sliceTokens("s", flat, start: 1, count: 5), tokens)
    let column = try b.input("z", shape: [1, 8, 5, 1])
    #expect(throws: BiDenseError.self) { _ = try b.add("mixed", column, tokens) }
  }

  /// Elementwise per-channel ops take the channel from the last axis of tokens.
  @Test func perChannelOpsUseTheLastAxisOfTokens() {
    let x = Tensor(shape: TensorShape(tokens: 2, channels: 3), data: [1, 1, 1, 2, 2, 2])
    let y = Interpreter.elementwise(x, .learnableBias([10, 20, 30]))
    #expect(y.data == [11, 21, 31, 12, 22, 32])
    let z = Interpreter.elementwise(x, .layerScale([1, 0.5, 2]))
    #expect(z.data == [1, 0.5, 2, 2, 1, 4])
  }

  /// A model spec's `source` picks the ViT Block over the ConvNeXt one; a source that defines
  /// no such module, a method bidensec cannot call and a wrong number of output names fail.
  @Test func sourceAndCallSelectWhatRuns() throws {
    func build(_ text: String) throws -> Graph {
      try ModelSpec.build(
        try JSON.parse(Data(text.utf8)), weights: .seeded(3, source: "seeded"), name: "m"
      ).0
    }
    let vit = try build(
      #"{"module": "Block", "source": "models/dpt/backbones/bivit_vit.py", "#
        + #""constructor": {"dim": 12, "num_heads": 2, "init_values": 1.0}, "inputs": [[1, 5, 12]]}"#
    )
    #expect(vit.nodes.contains { if case .attention = $0.op { return true } else { return false } })
    let convnext = try build(
      #"{"module": "Block", "constructor": {"dim": 8}, "inputs": [[1, 8, 9, 9]]}"#)
    #expect(convnext[convnext.outputs[0]].shape == TensorShape(channels: 8, height: 9, width: 9))
    let wrong = #expect(throws: BiDenseError.self) {
      _ = try build(
        #"{"module": "Block", "source": "models/dpt/dpt.py", "constructor": {"dim": 8}, "#
          + #""inputs": [[1, 8, 9, 9]]}"#)
    }
    #expect(wrong?.description.contains("bidensec has Block from") == true)
    let encoder =
      #"{"module": "VisionTransformer", "constructor": {"img_size": 28, "patch_size": 14, "#
      + #""embed_dim": 12, "depth": 3, "num_heads": 2, "init_values": 1.0}, "inputs": [[1, 3, 28, 42]], "#
    let layers = try build(
      encoder + #""call": {"method": "get_intermediate_layers", "args": {"n": [0, 2], "#
        + #""return_class_token": true, "reshape": true}}}"#)
    #expect(
      layers.outputs.map { layers[$0].shape } == [
        TensorShape(channels: 12, height: 2, width: 3), TensorShape(tokens: 1, channels: 12),
        TensorShape(channels: 12, height: 2, width: 3), TensorShape(tokens: 1, channels: 12),
      ])
    #expect(throws: BiDenseError.self) {
      _ = try build(encoder + #""call": {"method": "forward_features"}}"#)
    }
    #expect(throws: BiDenseError.self) {
      _ = try build(
        encoder + #""call": {"method": "get_intermediate_layers", "args": {"n": 4}}}"#)
    }
    #expect(throws: BiDenseError.self) {
      _ = try build(encoder + #""output_names": ["a", "b"]}"#)
    }
    let forward = try build(encoder + #""outputs": [[1, 12]]}"#)
    #expect(forward[forward.outputs[0]].shape == TensorShape(tokens: 1, channels: 12))
  }

  /// The position embedding: kept as stored when the grid and a square input match, bicubic
  /// with the offset scale otherwise, even from g to g (the kernel maps by the given scale).
  @Test func positionEmbeddingFolding() throws {
    let g = 3
    let dim = 2
    var random = SeededRandom(seed: 9)
    let stored = random.normals((1 + g * g) * dim)
    let same = try ModuleBuilder.interpolatePositions(
      stored, grid: g, dim: dim, rows: 3, columns: 3, square: true, offset: 0.1, node: "p")
    #expect(same == stored)
    let wide = try ModuleBuilder.interpolatePositions(
      stored, grid: g, dim: dim, rows: 3, columns: 3, square: false, offset: 0.1, node: "p")
    #expect(wide.count == stored.count && wide != stored)
    #expect(Array(wide[0..<dim]) == Array(stored[0..<dim]))
    // The weights of each output sum to 1, so a constant grid stays constant.
    let flat = [Float](repeating: 0.5, count: (1 + g * g) * dim)
    let resized = try ModuleBuilder.interpolatePositions(
      flat, grid: g, dim: dim, rows: 4, columns: 5, square: false, offset: 0.1, node: "p")
    #expect(resized.count == (1 + 20) * dim)
    #expect(resized.allSatisfy { abs($0 - 0.5) < 1e-6 })
  }
}

/// Token graphs shaped to reach the binary linear and attention kernels' edge cases: weight
/// signs of 0 (the nonzero plane), a move (the kernel packs its own input), outputs that are
/// not a multiple of the vector block, rows of several words, heads wider than a word, and
/// token counts that leave a remainder after the eight-key vector steps.
enum ViTKernelCases {
  static func graph() throws -> Graph {
    var random = SeededRandom(seed: 77)
    var b = GraphBuilder(name: "vit_kernels")
    let x = try b.input("x", shape: [1, 13, 70])
    func linear(_ inFeatures: Int, _ outFeatures: Int, zeros: Bool, move: Bool) -> BinaryLinear {
      var weight = random.normals(inFeatures * outFeatures)
      if zeros {
        // Rows of small integers whose mean is an integer: the entries equal to it have sign 0.
        weight = (0..<(inFeatures * outFeatures)).map { i in Float(i % 5) - 2 }
      }
      return BinaryLinear(
        inFeatures: inFeatures, outFeatures: outFeatures, weight: weight,
        scale: random.normals(outFeatures, scale: 0.5), bias: random.normals(outFeatures),
        move: move ? random.normals(inFeatures, scale: 0.5) : nil)
    }
    var y = try b.binaryLinear("moved", x, linear(70, 13, zeros: true, move: true))
    y = try b.unary("act", y, .gelu)
    y = try b.binaryLinear("dense", y, linear(13, 90, zeros: false, move: false))
    y = try b.layerNorm(
      "norm", y, LayerNorm(weight: random.normals(90), bias: random.normals(90), epsilon: 1e-6))
    let qkv = try b.binaryLinear("qkv", y, linear(90, 480, zeros: true, move: false))
    let counts = try b.attention("attention", qkv, heads: 2)
    let out = try b.binaryLinear("proj", counts, linear(160, 24, zeros: false, move: false))
    b.output(out)
    return b.graph
  }

  static func verify(target: Target, flags: [String]? = nil) throws -> Verifier.Report {
    let model = try CompiledModel(
      try graph(),
      options: CompileOptions(
        prefix: "vit_kernels", source: "test", kernels: target.kernels))
    var options = Verifier.Options()
    options.target = target
    options.flags = flags
    return try Verifier(model: model, options: options).run()
  }
}

@Suite struct ViTKernelTests {
  @Test func theCasesReachTheVariants() throws {
    let model = try CompiledModel(
      try ViTKernelCases.graph(), options: CompileOptions(prefix: "k", source: "test"))
    let kinds = model.lowered.kernels.map(\.kind.description)
    #expect(kinds[0].contains("and/xor-popcount, packs its input after the move"))
    #expect(kinds.contains { $0.contains("binary attention, 2 heads of 80") })
    #expect(model.lowered.kernels[0].output.ternary != nil)  // GELU's signs, for "dense"
  }

  @Test func portableCAgreesWithTheInterpreter() throws {
    let report = try ViTKernelCases.verify(target: .host)
    #expect(report.passed, "\(report.layers.map { "\($0.name) \($0.agreement)" })")
  }

  @Test(.enabled(if: HostMachine.hasAVX512))
  func theAVX512PathAgrees() throws {
    let report = try ViTKernelCases.verify(
      target: .host, flags: ["-O2", "-march=native", "-DVIT_KERNELS_AVX512"])
    #expect(report.passed, "\(report.layers.map { "\($0.name) \($0.agreement)" })")
    #expect(report.compileCommand.contains("_AVX512"))
  }

  @Test(.enabled(if: Target.cortexM4.missingTools.isEmpty))
  func thirtyTwoBitWordsAgreeOnCortexM4() throws {
    let report = try ViTKernelCases.verify(target: .cortexM4)
    #expect(report.passed, "\(report.layers.map { "\($0.name) \($0.agreement)" })")
  }
}
