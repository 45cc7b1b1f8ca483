import Foundation
import Testing

@testable import BiDenseCLI
@testable import BiDenseCodegen
@testable import BiDenseDriver
@testable import BiDenseFrontend
@testable import BiDenseIR
@testable import BiDensePasses
@testable import BiDenseReference

@Suite struct InspectTests {
  /// `inspect --format dot` renders with Graphviz.
  @Test(.enabled(if: installed("dot")))
  func dotRendersWithGraphviz() throws {
    let run = CommandRun(["inspect", "--format", "dot"])
    #expect(run.status == 0)
    let folder = TemporaryFolder()
    let file = folder.write("graph.dot", run.stdout)
    let rendered = try Shell.run(["dot", "-Tsvg", file, "-o", folder.path("graph.svg")])
    #expect(rendered.status == 0, "\(rendered.output)")
    let svg = try String(contentsOfFile: folder.path("graph.svg"), encoding: .utf8)
    #expect(svg.contains("<svg") && svg.contains("FPN/cat"))
  }

  /// The JSON report is valid and self-consistent: per-node flash adds up to the weights
  /// file, and the peak workspace is at least the lower bound.
  @Test func jsonReportAddsUp() throws {
    let run = CommandRun(["inspect", "upernet-seg-small", "--format", "json"])
    #expect(run.status == 0)
    let json = try JSON.parse(Data(run.stdout.utf8))
    let nodes = try json.require("nodes").array()
    #expect(nodes.count > 40)
    let flash = try nodes.reduce(0) { $0 + (try $1.require("flash_bytes").int()) }
    #expect(flash == (try json.require("weight_bytes").int()))
    let peak = try json.require("workspace_bytes").int()
    let bound = try json.require("workspace_lower_bound").int()
    #expect(peak >= bound && bound > 0)
    let float32 = try nodes.reduce(0) { $0 + (try $1.require("float32_bytes").int()) }
    #expect(flash * 10 < float32)
  }

  @Test func textReportNamesEveryNode() {
    let run = CommandRun(["inspect", "bidense-conv3x3"])
    #expect(run.status == 0)
    #expect(run.stdout.contains("FusedBiDenseConv2d+Bypass"))
    #expect(run.stdout.contains("lower bound"))
  }

  /// The kernel each node runs depends on the target: LUT-4 needs vector registers.
  @Test func reportsTheKernelChosenForTheTarget() throws {
    let host = CommandRun(["inspect", "upernet-depth-small", "--format", "json"])
    let nodes = try JSON.parse(Data(host.stdout.utf8)).require("nodes").array()
    let kernels = try nodes.map { try $0.require("kernel").string() }
    #expect(kernels.contains { $0.hasPrefix("depthwise 7x7") })
    #expect(kernels.contains { $0.hasPrefix("LUT-4 dense 1x1") })
    #expect(kernels.contains { $0.hasPrefix("LUT-4 dense 3x3") })
    let m4 = CommandRun(["inspect", "bidense-conv3x3", "--target", "cortex-m4"])
    #expect(m4.stdout.contains("byte table, dense 3x3"), "\(m4.stdout)\(m4.stderr)")
  }
}

/// Progress lines: on a terminal for networks, never on a pipe unless asked, never with --quiet.
@Suite struct ProgressTests {
  let folder = TemporaryFolder()

  func generate(_ extra: [String], terminal: Bool) -> CommandRun {
    CommandRun(
      ["generate", "upernet-seg-small", "-o", folder.path("out")] + extra, isTerminal: terminal)
  }

  @Test func onATerminal() {
    let run = generate([], terminal: true)
    #expect(run.status == 0)
    #expect(run.stdout.contains("s] read example upernet-seg-small"))
    #expect(run.stdout.contains("s] wrote"))
  }

  @Test func notOnAPipe() {
    let run = generate([], terminal: false)
    #expect(run.status == 0)
    #expect(!run.stdout.contains("s] "))
  }

  @Test func onAPipeWhenAsked() {
    #expect(generate(["--progress"], terminal: false).stdout.contains("s] wrote"))
  }

  @Test func quietMeansQuiet() {
    let run = generate(["--quiet"], terminal: true)
    #expect(run.status == 0)
    #expect(run.stdout.isEmpty)
  }
}
