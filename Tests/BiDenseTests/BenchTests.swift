import Foundation
import Testing

@testable import BiDenseCLI
@testable import BiDenseCodegen
@testable import BiDenseDriver
@testable import BiDenseFrontend
@testable import BiDenseIR
@testable import BiDensePasses
@testable import BiDenseReference

/// `bench` is a measurement, so these check what it reports, never how fast anything is.
@Suite struct BenchTests {
  @Test func readsTheHarnessLinesRunByRun() throws {
    let output = """
      run 0 node 0 100
      run 0 node 1 250
      run 0 total 400
      run 0 checksum 1.5
      a line the harness did not print
      run 1 node 0 120
      run 1 node 1 230
      run 1 total 380
      """
    let runs = try Benchmark.parse(output, nodes: 2)
    #expect(runs.count == 2)
    #expect(runs[0].nodes == [100, 250] && runs[0].total == 400)
    #expect(runs[1].nodes == [120, 230] && runs[1].total == 380)
    #expect(throws: BiDenseError.self) { try Benchmark.parse("nothing timed", nodes: 2) }
  }

  @Test func takesTheMedian() {
    #expect(Benchmark.median([5, 1, 3]) == 3)
    #expect(Benchmark.median([4, 1, 3, 2]) == 2.5)
    #expect(Benchmark.median([]) == 0)
  }

  /// Both variants of the default single-layer example compile, run and get compared.
  @Test func comparesTheGeneratedCWithTheFloatBaseline() throws {
    let run = CommandRun(["bench", "bidense-conv3x3", "--runs", "2"])
    #expect(run.status == 0, "\(run.stderr)")
    let lines = run.stdout.split(separator: "\n").map(String.init)
    #expect(lines.first?.hasPrefix("bench example bidense-conv3x3: median of 2 runs") == true)
    let node = try #require(lines.first { $0.hasPrefix("0 ") })
    #expect(node.contains("LUT-4 dense 3x3"))
    #expect(node.contains("x "))
    let total = try #require(lines.first { $0.hasPrefix("total: ") })
    #expect(total.contains("for the float32 baseline"))
    #expect(run.stdout.contains("-O3"))
  }

  @Test func reportsTheApproximation() {
    let run = CommandRun(["bench", "bidense-conv3x3", "--runs", "1", "--dab-scale", "layer"])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.contains("approximation: --dab-scale=layer"))
    #expect(run.stdout.contains("xnor-popcount dense 3x3"))
  }

  /// On a bare-metal board the figures are QEMU's instruction counts, node by node.
  @Test(.enabled(if: Target.cortexM4.missingTools.isEmpty))
  func countsInstructionsOnCortexM4() throws {
    let run = CommandRun(["bench", "bidense-conv3x3", "--runs", "1", "--target", "cortex-m4"])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.contains("instructions counted by QEMU -icount"))
    #expect(run.stdout.contains("arm-none-eabi-gcc"))
    let node = try #require(run.stdout.split(separator: "\n").first { $0.hasPrefix("0 ") })
    #expect(node.contains("byte table, dense 3x3"))
    let total = try #require(run.stdout.split(separator: "\n").first { $0.hasPrefix("total: ") })
    #expect(total.contains("M instr"))
  }

  @Test func rejectsAZeroRunCount() {
    let run = CommandRun(["bench", "bidense-conv3x3", "--runs", "0"])
    #expect(run.status == 2)
    #expect(run.stderr.contains("--runs"))
  }
}
