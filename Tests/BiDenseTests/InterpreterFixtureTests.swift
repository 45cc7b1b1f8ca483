import Foundation
import Testing

@testable import BiDenseCLI
@testable import BiDenseCodegen
@testable import BiDenseDriver
@testable import BiDenseFrontend
@testable import BiDenseIR
@testable import BiDensePasses
@testable import BiDenseReference

/// The interpreter against the reference cases' PyTorch outputs, within docs/SEMANTICS.md's bound.
@Suite struct InterpreterFixtureTests {
  @Test(arguments: Fixtures.all)
  func matchesPyTorch(_ name: String) throws {
    let graph = try Fixtures.graph(name)
    let values = try Interpreter.run(graph, inputs: try Fixtures.inputs(name, for: graph))
    let output = graph.outputs.flatMap { values[$0]!.data }
    let expected = try Fixtures.floats(name, ".output.f32")
    let report = Agreement(actual: output, reference: expected)
    #expect(report.outside == 0, "\(name): \(report)")
  }
}
