import Foundation
import Testing

@testable import BiDenseCLI
@testable import BiDenseCodegen
@testable import BiDenseDriver
@testable import BiDenseFrontend
@testable import BiDenseIR
@testable import BiDensePasses
@testable import BiDenseReference

/// The cases run on the emulated targets: the microcontroller example and single layers that
/// cover the bypass's repeat and merge, a depthwise convolution and a transposed one.
enum TargetCases {
  static let fixtures = ["conv3x3_up_repeat_merge", "conv7x7_depthwise", "convT2x2_stride2"]
  /// The ViT's layers, the encoder and the DPT depth model: 32-bit planes, the ternary signs
  /// traced through semihosting.
  static let vitFixtures = [
    "vit_linear_ste", "vit_linear_adapscaling", "vit_attention", "vit_block", "vit_encoder_small",
    "dpt_depth_small",
  ]

  /// `bidensec verify FIXTURE --input --expect --target TARGET`.
  static func verifyFixture(_ name: String, on target: String) -> CommandRun {
    CommandRun([
      "verify", Fixtures.path(name, ".json"), "--weights", Fixtures.path(name, ".safetensors"),
      "--input", Fixtures.path(name, ".input.f32"), "--expect", Fixtures.path(name, ".output.f32"),
      "--target", target,
    ])
  }

  /// Every example small enough to build in a test, and every reference case, as graphs.
  static func smallModels() throws -> [(name: String, graph: Graph)] {
    var models: [(String, Graph)] = []
    for example in Examples.all where !example.paperSized {
      models.append((example.name, try example.build()))
    }
    for name in Fixtures.all { models.append((name, try Fixtures.graph(name))) }
    return models
  }
}

/// Targets as data: names, word sizes, flags, the emulator commands.
@Suite struct TargetTests {
  @Test func everyTargetIsNamed() {
    #expect(Target.all.map(\.name) == ["host", "cortex-m4", "cortex-m7", "aarch64"])
    for target in Target.all { #expect(Target.named(target.name)?.name == target.name) }
    #expect(Target.named("cortex-m0") == nil)
  }

  @Test func cortexMPacksThirtyTwoBitWordsWithSinglePrecisionHardFloat() {
    for target in [Target.cortexM4, .cortexM7] {
      #expect(target.wordBits == 32)
      #expect(target.archFlags.contains("-mthumb"))
      #expect(target.archFlags.contains("-mfloat-abi=hard"))
      #expect(target.harness == .bareMetal)
    }
    #expect(Target.cortexM4.runCommand("m.elf", []).contains("mps2-an386"))
    #expect(Target.cortexM7.runCommand("m.elf", []).contains("mps2-an500"))
    #expect(Target.host.wordBits == 64)
    #expect(Target.aarch64.wordBits == 64)
  }

  @Test func aarch64DefinesTheNEONMacroAndRunsUnderQemuUser() {
    #expect(Target.aarch64.flags(prefix: "net").contains("-DNET_NEON"))
    #expect(!Target.host.flags(prefix: "net").contains("-DNET_NEON"))
    #expect(
      Target.aarch64.runCommand("model", ["a"])
        == ["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu", "model", "a"])
  }

  @Test func cflagsReplaceOnlyTheOptimisation() {
    let flags = Target.cortexM4.flags(prefix: "net", optimization: ["-Os"])
    #expect(flags.contains("-mcpu=cortex-m4"))
    #expect(flags.contains("-Os"))
    #expect(!flags.contains("-O2"))
  }

  @Test func theTargetSetsTheWordSizeOfTheCompileOptions() throws {
    let args = try Arguments(["--target", "cortex-m4"], valued: ["target"], switches: [])
    let target = try #require(try CommandLineTool.target(args))
    #expect(target.wordBits == 32)
    let loaded = try ModelLoader.load("bidense-conv3x3", weights: nil, name: nil)
    #expect(try CommandLineTool.compileOptions(args, loaded, target).kernels.wordBits == 32)
    #expect(CompileOptions(prefix: "x", source: "x").kernels.wordBits == 64)
  }

  @Test func anUnknownTargetIsAUsageError() {
    let run = CommandRun(["verify", "bidense-conv3x3", "--target", "cortex-m0"])
    #expect(run.status == 2)
    #expect(run.stderr.contains("--target is one of host, cortex-m4, cortex-m7, aarch64"))
  }

  @Test func sizeOutputIsSummedOverFiles() {
    let output = """
         text	   data	    bss	    dec	    hex	filename
         1200	      8	      0	   1208	    4b8	net.o
        15000	      0	      0	  15000	   3a98	net_weights.o

      """
    #expect(TargetFootprint.berkeleyTextPlusData(output) == 16208)
    #expect(TargetFootprint.berkeleyTextPlusData("garbage") == nil)
  }

  /// The micro example fits an STM32H7 class part: flash 1.5 MB, RAM 400 KB.
  @Test func theMicroExampleIsSizedForAMicrocontroller() throws {
    let graph = try #require(Examples.named("upernet-depth-micro")).build()
    let model = try CompiledModel(
      graph,
      options: CompileOptions(prefix: "micro", source: "micro", kernels: KernelTarget(wordBits: 32))
    )
    #expect(model.weights.pool.bytes < 1_500_000)
    #expect(model.plan.workspaceBytes < 350_000)
  }

  /// Only the host's C on x86-64 can take the AVX-512 path, so only it reserves that path's
  /// tiled sign planes: the aarch64 C keeps the portable layout's smaller workspace.
  @Test func onlyAnX86HostReservesTheAVX512Layout() throws {
    let graph = try #require(Examples.named("bidense-conv3x3")).build()
    func compiled(_ target: Target) throws -> CompiledModel {
      try CompiledModel(
        graph, options: CompileOptions(prefix: "net", source: "net", kernels: target.kernels))
    }
    let arm = try compiled(.aarch64)
    let host = try compiled(.host)
    // The AVX-512 LUT-4 tables flip signs with this constant; no other kernel uses it.
    func hasTiles(_ model: CompiledModel) -> Bool {
      model.generated.files.contains { $0.contents.contains("_mm512_set1_ps(-0.0f)") }
    }
    #expect(!hasTiles(arm))
    #expect(hasTiles(host) == KernelTarget.runsOnX86)
    if KernelTarget.runsOnX86 {
      #expect(host.plan.workspaceBytes > arm.plan.workspaceBytes)
    } else {
      #expect(host.plan.workspaceBytes == arm.plan.workspaceBytes)
    }
  }
}

/// Generated C cross-compiled for Cortex-M and run on QEMU's mps2 boards, verified there.
@Suite(.enabled(if: Target.cortexM4.missingTools.isEmpty))
struct CortexMTests {
  @Test func verifyTheMicroExampleOnCortexM4() {
    let run = CommandRun(["verify", "upernet-depth-micro", "--target", "cortex-m4"])
    #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
    #expect(run.stdout.contains("arm-none-eabi-gcc -std=c99 -mcpu=cortex-m4"))
    #expect(run.stdout.contains("qemu-system-arm -M mps2-an386"))
    #expect(run.stdout.contains("instructions per untraced run"))
    #expect(run.stdout.contains("PASSED"))
  }

  @Test(arguments: TargetCases.fixtures)
  func verifyAReferenceCaseOnCortexM4(_ name: String) {
    let run = TargetCases.verifyFixture(name, on: "cortex-m4")
    #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
    #expect(run.stdout.contains("PASSED: every node agrees with the interpreter, and the output"))
  }

  @Test(arguments: TargetCases.vitFixtures)
  func verifyADPTCaseOnCortexM4(_ name: String) {
    let run = TargetCases.verifyFixture(name, on: "cortex-m4")
    #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
    // A lone linear layer's output is the model's: floats, no signs to trace.
    #expect(
      run.stdout.contains("-D\(name.uppercased())_TRACE_SIGNS") == !name.hasPrefix("vit_linear"))
    #expect(run.stdout.contains("PASSED: every node agrees with the interpreter, and the output"))
  }

  @Test func verifyOnCortexM7() {
    let run = CommandRun(["verify", "bidense-conv3x3", "--target", "cortex-m7"])
    #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
    #expect(run.stdout.contains("mps2-an500"))
  }

  /// Single precision only: no double arithmetic in the C for any example or reference case.
  @Test func theCForCortexMIsCleanUnderDoublePromotionWarnings() throws {
    let folder = TemporaryFolder()
    for (name, graph) in try TargetCases.smallModels() {
      let model = try CompiledModel(
        graph,
        options: CompileOptions(prefix: name, source: name, kernels: KernelTarget(wordBits: 32)))
      let directory = folder.url.appendingPathComponent(model.generated.prefix)
      try model.write(to: directory)
      let prefix = model.generated.prefix
      for source in ["\(prefix).c", "\(prefix)_weights.c"] {
        let command =
          ["arm-none-eabi-gcc", "-std=c99", "-pedantic", "-Wall", "-Wextra", "-Werror"]
          + ["-Wdouble-promotion", "-Wfloat-conversion"]
          + Target.cortexM4.flags(prefix: prefix) + ["-c", "-o", "/dev/null", source]
        let compiled = try Shell.run(command, in: directory)
        #expect(compiled.status == 0, "\(name): \(compiled.output)")
      }
    }
  }

  /// Flash from arm-none-eabi-size, RAM from the workspace and the stack the harness measured.
  @Test func generateReportsFlashAndRAM() throws {
    let folder = TemporaryFolder()
    let run = CommandRun([
      "generate", "upernet-depth-micro", "--target", "cortex-m4", "-o", folder.path("micro"),
    ])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.contains("target cortex-m4: flash "))
    #expect(run.stdout.contains("arm-none-eabi-size"))
    #expect(run.stdout.contains("(measured by the harness)"))

    let graph = try #require(Examples.named("upernet-depth-micro")).build()
    let model = try CompiledModel(
      graph,
      options: CompileOptions(prefix: "micro", source: "micro", kernels: KernelTarget(wordBits: 32))
    )
    let footprint = try TargetFootprint.measure(model, on: .cortexM4)
    #expect(footprint.flashBytes > model.weights.pool.bytes)
    #expect(footprint.flashBytes <= 1_500_000)
    let stack = try #require(footprint.stackBytes)
    #expect(stack > 0 && stack < 16_384)
    #expect(try #require(footprint.ramBytes) <= 400_000)
    #expect(try #require(footprint.instructions) > 1_000_000)
  }

  @Test func inspectJSONCarriesTheTarget() throws {
    let run = CommandRun([
      "inspect", "bidense-conv3x3", "--target", "cortex-m4", "--format", "json",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    let json = try JSON.parse(Data(run.stdout.utf8))
    let target = try #require(json["target"])
    #expect(try target["name"]?.string() == "cortex-m4")
    let stack = try #require(try target["stack_bytes"]?.int())
    let workspace = try #require(try target["workspace_bytes"]?.int())
    #expect(stack > 0)
    #expect(try target["ram_bytes"]?.int() == workspace + stack)
  }
}

/// Generated C cross-compiled for aarch64 with the NEON macro defined, run under qemu-aarch64.
@Suite(.enabled(if: Target.aarch64.missingTools.isEmpty))
struct AArch64Tests {
  @Test func verifyTheMicroExampleOnAArch64() {
    let run = CommandRun(["verify", "upernet-depth-micro", "--target", "aarch64"])
    #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
    #expect(run.stdout.contains("-DUPERNET_DEPTH_MICRO_NEON"))
    #expect(run.stdout.contains("qemu-aarch64"))
    #expect(run.stdout.contains("PASSED"))
  }

  /// The ViT block's 64-bit planes under qemu-aarch64 (the portable C: no NEON path there).
  @Test func verifyTheViTBlockOnAArch64() {
    let run = TargetCases.verifyFixture("vit_block", on: "aarch64")
    #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
    #expect(run.stdout.contains("PASSED: every node agrees with the interpreter, and the output"))
  }

  @Test(arguments: TargetCases.fixtures)
  func verifyAReferenceCaseOnAArch64(_ name: String) {
    let run = TargetCases.verifyFixture(name, on: "aarch64")
    #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
    #expect(run.stdout.contains("NEON"))
    #expect(run.stdout.contains("PASSED: every node agrees with the interpreter, and the output"))
  }
}
