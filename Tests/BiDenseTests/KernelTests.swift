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
    /// A module other than BiDenseConv2d and BiDenseConvTranspose2d (a composite layer).
    var module: String? = nil
    /// What the exact build must pick, and what `--dab-scale=layer` must pick.
    var variant: @Sendable (KernelKind) -> Bool
    var approximateVariant: @Sendable (KernelKind) -> Bool
    /// The kernel the exact build must pick for a 32-bit core, as `inspect` names it.
    var variant32: String
    var description: String { name }

    func graph() throws -> Graph {
      let module = self.module ?? (transposed ? "BiDenseConvTranspose2d" : "BiDenseConv2d")
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
      input: [1, 6, 9, 13], variant: Self.lut, approximateVariant: Self.xnor,
      variant32: "byte table, dense 3x3, 8-bit units"),
    Case(
      name: "lut_3x3_stride2",
      constructor:
        #""in_channels": 12, "out_channels": 6, "kernel_size": 3, "stride": 2, "padding": 1, "bypass": false"#,
      input: [1, 12, 11, 17], variant: Self.lut, approximateVariant: Self.xnor,
      variant32: "byte table, dense 3x3, 16-bit units"),
    Case(
      name: "lut_3x3_dilated",
      constructor:
        #""in_channels": 8, "out_channels": 8, "kernel_size": 3, "padding": 2, "dilation": 2, "bias": true"#,
      input: [1, 8, 10, 37], variant: Self.lut, approximateVariant: Self.xnor,
      variant32: "byte table, dense 3x3, 8-bit units"),
    Case(
      // Rows padded to 48 wide: on the AVX-512 path one table serves every kernel row.
      name: "lut_3x3_rows_shared",
      constructor: #""in_channels": 8, "out_channels": 12, "kernel_size": 3, "padding": 1"#,
      input: [1, 8, 5, 46], variant: Self.lut, approximateVariant: Self.xnor,
      variant32: "byte table, dense 3x3, 8-bit units"),
    Case(
      // 64 outputs: on the AVX-512 path a table per tap, in strips of output rows.
      name: "lut_3x3_table_per_tap",
      constructor: #""in_channels": 8, "out_channels": 64, "kernel_size": 3, "padding": 1"#,
      input: [1, 8, 6, 21], variant: Self.lut, approximateVariant: Self.xnor,
      variant32: "byte table, dense 3x3, 8-bit units"),
    Case(
      name: "lut_1x1_flat",
      constructor: #""in_channels": 5, "out_channels": 7, "kernel_size": 1, "bypass": false"#,
      input: [1, 5, 7, 9], variant: Self.lut, approximateVariant: Self.xnor,
      variant32: "byte table, dense 1x1, 8-bit units"),
    Case(
      name: "lut_1x1_stride2",
      constructor:
        #""in_channels": 70, "out_channels": 140, "kernel_size": 1, "stride": 2, "bypass": false"#,
      input: [1, 70, 9, 8], variant: Self.lut, approximateVariant: Self.xnor,
      variant32: "byte table, dense 1x1, 32-bit units"),
    Case(
      name: "depthwise_5x5_stride2",
      constructor:
        #""in_channels": 8, "out_channels": 8, "kernel_size": 5, "stride": 2, "padding": 2, "groups": 8, "bypass": false"#,
      input: [1, 8, 13, 10], variant: Self.depthwise, approximateVariant: Self.depthwise,
      variant32: "depthwise 5x5, bit-sliced counts"),
    Case(
      name: "grouped_3x3",
      constructor:
        #""in_channels": 8, "out_channels": 12, "kernel_size": 3, "padding": 1, "groups": 2, "bypass": false"#,
      input: [1, 8, 6, 7], variant: Self.byteTable, approximateVariant: Self.byteTable,
      variant32: "byte table, grouped 3x3, 8-bit units"),
    Case(
      name: "transposed_2x2",
      constructor:
        #""in_channels": 12, "out_channels": 6, "kernel_size": 2, "stride": 2, "bypass": false"#,
      input: [1, 12, 5, 6], transposed: true, variant: Self.byteTable,
      approximateVariant: Self.byteTable,
      variant32: "byte table, transposed 2x2, 16-bit units"),
    Case(
      name: "depthwise_3x3_wide_dilated",
      constructor:
        #""in_channels": 6, "out_channels": 6, "kernel_size": 3, "padding": 2, "dilation": 2, "groups": 6"#,
      input: [1, 6, 7, 23], variant: Self.depthwise, approximateVariant: Self.depthwise,
      variant32: "depthwise 3x3, bit-sliced counts"),
    Case(
      name: "depthwise_5x5_wide",
      constructor:
        #""in_channels": 10, "out_channels": 10, "kernel_size": 5, "padding": 2, "groups": 10"#,
      input: [1, 10, 6, 21], variant: Self.depthwise, approximateVariant: Self.depthwise,
      variant32: "depthwise 5x5, bit-sliced counts"),
    Case(
      name: "depthwise_3x3_40_channels",
      constructor:
        #""in_channels": 40, "out_channels": 40, "kernel_size": 3, "padding": 1, "groups": 40"#,
      input: [1, 40, 5, 6], variant: Self.depthwise, approximateVariant: Self.depthwise,
      variant32: "depthwise 3x3, bit-sliced counts"),
    Case(
      name: "up2_merging_bypass",
      constructor: #""in_channels": 8, "out_channels": 12, "scale": 2"#,
      input: [1, 8, 3, 5], module: "BiDenseUp", variant: Self.byteTable,
      approximateVariant: Self.byteTable, variant32: "byte table, transposed 2x2, 8-bit units"),
    Case(
      name: "dense_3x3_136_channels",
      constructor: #""in_channels": 136, "out_channels": 6, "kernel_size": 3, "padding": 1"#,
      input: [1, 136, 4, 5], variant: Self.lut, approximateVariant: Self.xnor,
      variant32: "byte table, dense 3x3, 32-bit units"),
    Case(
      name: "dense_3x3_56_channels",
      constructor: #""in_channels": 56, "out_channels": 12, "kernel_size": 3, "padding": 1"#,
      input: [1, 56, 5, 6], variant: Self.lut, approximateVariant: Self.xnor,
      variant32: "byte table, dense 3x3, 32-bit units"),
    Case(
      name: "down_merging",
      constructor: #""in_channels": 8, "out_channels": 12"#,
      input: [1, 8, 7, 9], module: "BiDenseDown", variant: Self.lut,
      approximateVariant: Self.xnor, variant32: "byte table, dense 3x3, 8-bit units"),
    Case(
      name: "transition_merging",
      constructor: #""in_channels": 8, "out_channels": 12"#,
      input: [1, 8, 6, 10], module: "Transition", variant: Self.lut,
      approximateVariant: Self.xnor, variant32: "byte table, dense 2x2, 8-bit units"),
    Case(
      name: "dense_3x3_one_row",
      constructor: #""in_channels": 12, "out_channels": 12, "kernel_size": 3, "padding": 1"#,
      input: [1, 12, 1, 7], variant: Self.lut, approximateVariant: Self.xnor,
      variant32: "byte table, dense 3x3, 16-bit units"),
    Case(
      name: "depthwise_1x3",
      constructor:
        #""in_channels": 7, "out_channels": 7, "kernel_size": [1, 3], "padding": [0, 1], "groups": 7"#,
      input: [1, 7, 4, 6], variant: Self.depthwise, approximateVariant: Self.depthwise,
      variant32: "depthwise 1x3, bit-sliced counts"),
  ]

  static func verify(
    _ kase: Case, dabScale: DABScale = .perChannel, target: Target = .host,
    flags: (String) -> [String]? = { _ in nil }
  ) throws -> (report: Verifier.Report, model: CompiledModel) {
    var emit = CompileOptions(
      prefix: kase.name, source: kase.name, kernels: target.kernels)
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

  /// The 32-bit kernels (bit-sliced counts for depthwise, byte tables on 8-, 16- or 32-bit
  /// units for the rest) on the emulated Cortex-M4 and Cortex-M7.
  @Test(.enabled(if: Target.cortexM4.missingTools.isEmpty), arguments: KernelCases.all)
  func eachVariantAgreesOnCortexM(_ kase: KernelCases.Case) throws {
    for target in [Target.cortexM4, .cortexM7] {
      let (report, model) = try KernelCases.verify(kase, target: target)
      let kernel = model.lowered.kernels[0].kind.description
      #expect(kernel == kase.variant32, "\(kase.name) chose \(kernel) on \(target.name)")
      #expect(report.passed, "\(kase.name) on \(target.name)")
    }
  }

  /// The C of the 32-bit kernels folds what the generator knows, as the checked-in host C
  /// does: for every kernel case and every reference case.
  @Test func theCortexMCReadsLikeHandWrittenC() throws {
    var models = try KernelCases.all.map { ($0.name, try $0.graph()) }
    models += try Fixtures.all.map { ($0, try Fixtures.graph($0)) }
    for (name, graph) in models {
      let model = try CompiledModel(
        graph,
        options: CompileOptions(prefix: name, source: name, kernels: KernelTarget(wordBits: 32)))
      for file in model.generated.files {
        let issues = GoldenTests.unlikeHandWrittenC(file.contents, file: file.name)
        #expect(issues.isEmpty, "\(issues.joined(separator: "\n"))")
      }
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

  @Test(.enabled(if: HostMachine.hasAVX512), arguments: KernelCases.all)
  func theAVX512PathsAgree(_ kase: KernelCases.Case) throws {
    for scale in [DABScale.perChannel, .perLayer] {
      let (report, _) = try KernelCases.verify(kase, dabScale: scale) { prefix in
        ["-O2", "-march=native", "-D\(prefix)_AVX512"]
      }
      #expect(report.passed, "\(kase.name), --dab-scale=\(scale.rawValue)")
      #expect(report.compileCommand.contains("_AVX512"))
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
    #expect(!source.contains("#define M_AVX512"))
    #expect(!source.contains("#define M_NEON"))
    // The AVX-512 path takes the AVX2 one too; nothing else defines it.
    #expect(source.components(separatedBy: "#define M_AVX2").count == 2)
    #expect(source.contains("#if defined(M_AVX512)\n"))
    #expect(source.contains("#if !defined(M_AVX2)\n#define M_AVX2\n#endif\n#endif\n"))
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
