import Foundation
import Testing

@testable import BiDenseCLI
@testable import BiDenseCodegen
@testable import BiDenseDriver
@testable import BiDenseFrontend
@testable import BiDenseIR
@testable import BiDensePasses
@testable import BiDenseReference

/// Single layers shaped to reach every kernel variant and its edge cases: channel counts that
/// are not multiples of 4, strides, dilation, flattened 1×1, depthwise, grouped, transposed.
enum KernelCases {
  struct Case: Sendable, CustomStringConvertible {
    var name: String
    var constructor: String
    var input: [Int]
    var transposed = false
    /// What the exact build must pick, and what `--dab-scale=layer` must pick.
    var variant: @Sendable (KernelKind) -> Bool
    var approximateVariant: @Sendable (KernelKind) -> Bool
    var description: String { name }

    func graph() throws -> Graph {
      let module = transposed ? "BiDenseConvTranspose2d" : "BiDenseConv2d"
      let spec = """
        {"module": "\(module)", "constructor": {\(constructor)}, "inputs": [\(input)]}
        """
      return try Example(name: name, summary: name, spec: spec, seed: 5).build()
    }
  }

  static let lut: @Sendable (KernelKind) -> Bool = {
    if case .quadLookup = $0 { return true } else { return false }
  }
  static let xnor: @Sendable (KernelKind) -> Bool = {
    if case .xnorPopcount = $0 { return true } else { return false }
  }
  static let depthwise: @Sendable (KernelKind) -> Bool = {
    if case .depthwiseSignCount = $0 { return true } else { return false }
  }
  static let byteTable: @Sendable (KernelKind) -> Bool = {
    if case .byteTable = $0 { return true } else { return false }
  }

  static let all: [Case] = [
    Case(
      name: "lut_3x3_odd_channels",
      constructor: #""in_channels": 6, "out_channels": 10, "kernel_size": 3, "padding": 1"#,
      input: [1, 6, 9, 13], variant: Self.lut, approximateVariant: Self.xnor),
    Case(
      name: "lut_3x3_stride2",
      constructor:
        #""in_channels": 12, "out_channels": 6, "kernel_size": 3, "stride": 2, "padding": 1, "bypass": false"#,
      input: [1, 12, 11, 17], variant: Self.lut, approximateVariant: Self.xnor),
    Case(
      name: "lut_3x3_dilated",
      constructor:
        #""in_channels": 8, "out_channels": 8, "kernel_size": 3, "padding": 2, "dilation": 2, "bias": true"#,
      input: [1, 8, 10, 37], variant: Self.lut, approximateVariant: Self.xnor),
    Case(
      name: "lut_1x1_flat",
      constructor: #""in_channels": 5, "out_channels": 7, "kernel_size": 1, "bypass": false"#,
      input: [1, 5, 7, 9], variant: Self.lut, approximateVariant: Self.xnor),
    Case(
      name: "lut_1x1_stride2",
      constructor:
        #""in_channels": 70, "out_channels": 140, "kernel_size": 1, "stride": 2, "bypass": false"#,
      input: [1, 70, 9, 8], variant: Self.lut, approximateVariant: Self.xnor),
    Case(
      name: "depthwise_5x5_stride2",
      constructor:
        #""in_channels": 8, "out_channels": 8, "kernel_size": 5, "stride": 2, "padding": 2, "groups": 8, "bypass": false"#,
      input: [1, 8, 13, 10], variant: Self.depthwise, approximateVariant: Self.depthwise),
    Case(
      name: "grouped_3x3",
      constructor:
        #""in_channels": 8, "out_channels": 12, "kernel_size": 3, "padding": 1, "groups": 2, "bypass": false"#,
      input: [1, 8, 6, 7], variant: Self.byteTable, approximateVariant: Self.byteTable),
    Case(
      name: "transposed_2x2",
      constructor:
        #""in_channels": 12, "out_channels": 6, "kernel_size": 2, "stride": 2, "bypass": false"#,
      input: [1, 12, 5, 6], transposed: true, variant: Self.byteTable,
      approximateVariant: Self.byteTable),
  ]

  static func verify(
    _ kase: Case, dabScale: DABScale = .perChannel, target: Target = .host,
    flags: (String) -> [String]? = { _ in nil }
  ) throws -> (report: Verifier.Report, model: CompiledModel) {
    var emit = CompileOptions(
      prefix: kase.name, source: kase.name, kernels: KernelTarget(wordBits: target.wordBits))
    emit.dabScale = dabScale
    let model = try CompiledModel(try kase.graph(), options: emit)
    var options = Verifier.Options()
    options.target = target
    options.flags = flags(model.generated.prefix.uppercased())
    return (try Verifier(model: model, options: options).run(), model)
  }

}

@Suite struct KernelTests {
  @Test(arguments: KernelCases.all)
  func eachVariantAgreesWithTheInterpreter(_ kase: KernelCases.Case) throws {
    let (report, model) = try KernelCases.verify(kase)
    let kernel = model.lowered.kernels[0].kind
    #expect(kase.variant(kernel), "\(kase.name) chose \(kernel.description)")
    #expect(report.passed, "\(kase.name): \(report.layers.map(\.agreement.maxError))")
  }

  /// The approximation's C computes what the interpreter computes under the same rewrite, and
  /// both differ from the exact model where the scales differ.
  @Test(arguments: KernelCases.all)
  func theLayerScaleApproximationAgreesWithItsInterpreter(_ kase: KernelCases.Case) throws {
    let (report, model) = try KernelCases.verify(kase, dabScale: .perLayer)
    let kernel = model.lowered.kernels[0].kind
    #expect(kase.approximateVariant(kernel), "\(kase.name) chose \(kernel.description)")
    #expect(report.passed)
    let exact = try #require(report.exactEndToEnd)
    if KernelCases.xnor(kernel) {
      #expect(exact.maxError > exact.bound, "the approximation should move the output")
    } else {
      #expect(exact.outside == 0, "exact kernels stay exact under the option")
    }
  }

  @Test(.enabled(if: HostMachine.hasAVX2), arguments: KernelCases.all)
  func theAVX2PathsAgree(_ kase: KernelCases.Case) throws {
    for scale in [DABScale.perChannel, .perLayer] {
      let (report, _) = try KernelCases.verify(kase, dabScale: scale) { prefix in
        ["-O2", "-mavx2", "-mfma", "-D\(prefix)_AVX2"]
      }
      #expect(report.passed, "\(kase.name), --dab-scale=\(scale.rawValue)")
      #expect(report.compileCommand.contains("_AVX2"))
    }
  }

  @Test(.enabled(if: Target.aarch64.missingTools.isEmpty), arguments: KernelCases.all)
  func theNEONPathsAgreeUnderQemu(_ kase: KernelCases.Case) throws {
    for scale in [DABScale.perChannel, .perLayer] {
      let (report, _) = try KernelCases.verify(kase, dabScale: scale, target: .aarch64)
      #expect(report.passed, "\(kase.name), --dab-scale=\(scale.rawValue)")
      #expect(report.compileCommand.contains("_NEON"))
    }
  }

  /// The generated C defines no vector path unless asked: the portable C is the default.
  @Test func vectorPathsAreOptIn() throws {
    let model = try CompiledModel(
      try KernelCases.all[0].graph(), options: CompileOptions(prefix: "m", source: "m"))
    let source = model.generated.files.first { $0.name == "m.c" }!.contents
    #expect(source.contains("#if defined(M_AVX2)"))
    #expect(source.contains("#include <immintrin.h>"))
    #expect(!source.contains("#define M_AVX2"))
    #expect(!source.contains("#define M_NEON"))
  }

  /// One DAB scale per layer: every channel gets the mean of the exact channel scales.
  @Test func layerScaleIsTheMeanOfTheChannelScales() {
    let x = Tensor(
      shape: TensorShape(channels: 2, height: 1, width: 4), data: [1, -1, 3, -3, 0.5, 0.25, -2, 4])
    var binarizer = Binarizer(alpha: [0.5, 2], k: [1, 0.5], b: [0, 0.1])
    let exact = Interpreter.binarizerStatistics(x, binarizer).scale
    binarizer.layerScale = true
    let shared = Interpreter.binarizerStatistics(x, binarizer).scale
    #expect(exact[0] != exact[1])
    let mean: Float = (exact[0] + exact[1]) / 2
    #expect(abs(shared[0] - mean) < 1e-6)
    #expect(shared[0] == shared[1])
  }
}
