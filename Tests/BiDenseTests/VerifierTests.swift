import Foundation
import Testing

@testable import BiDenseDriver
@testable import BiDenseFrontend
@testable import BiDenseIR
@testable import BiDensePasses

@Suite struct VerifierTests {
  /// An infinite input makes the DAB's statistics infinite; no rounding tie explains the
  /// difference that follows, so verify must not count every element as a tie.
  @Test(.enabled(if: installed("cc"))) func anInfiniteInputIsNotExcusedAsATie() throws {
    let loaded = try ModelLoader.load("bidense-conv3x3", weights: nil)
    let model = try CompiledModel(
      loaded.graph, options: CompileOptions(prefix: "inf", source: "test"))
    var input = [Float](repeating: 0.5, count: model.plan.inputFloats)
    input[7] = .infinity
    var options = Verifier.Options()
    options.input = input
    let report = try Verifier(model: model, options: options).run()
    let layer = try #require(report.layers.first)
    #expect(layer.agreement.outside > 0)
    #expect(layer.ties == 0)
    #expect(!report.passed)
  }
}

@Suite struct WorkspaceLimitTests {
  /// The planned workspace is checked against the limit once memory planning has sized it.
  @Test func aWorkspaceOverTheLimitIsAnError() throws {
    let graph = try Examples.named("bidense-conv3x3")!.build()
    var options = CompileOptions(prefix: "m", source: "test")
    options.limits.maxWorkspaceBytes = 1024
    #expect {
      try CompiledModel(graph, options: options)
    } throws: { error in
      "\(error)".contains("over the limit of 1024 (--max-workspace-bytes raises it)")
    }
    options.limits.maxWorkspaceBytes = 1 << 20
    #expect(try CompiledModel(graph, options: options).plan.workspaceBytes > 1024)
  }
}
