import Foundation
import Testing

@testable import BiDenseCLI
@testable import BiDenseCodegen
@testable import BiDenseDriver
@testable import BiDenseFrontend
@testable import BiDenseIR
@testable import BiDensePasses
@testable import BiDenseReference

/// `bidensec verify NAME.json --weights NAME.safetensors --input NAME.input.f32
/// --expect NAME.output.f32` on every single-layer reference case.
@Suite struct FixtureVerifyTests {
  @Test(arguments: Fixtures.all)
  func verifyCommandAgrees(_ name: String) {
    let run = CommandRun([
      "verify", Fixtures.path(name, ".json"), "--weights", Fixtures.path(name, ".safetensors"),
      "--input", Fixtures.path(name, ".input.f32"), "--expect", Fixtures.path(name, ".output.f32"),
    ])
    #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
    #expect(run.stdout.contains("PASSED"))
  }

  /// Verify compares against --expect: a perturbed expectation must fail.
  @Test func verifyRejectsAWrongExpectation() throws {
    let name = "conv3x3_same"
    var expected = try Fixtures.floats(name, ".output.f32")
    expected[17] += 0.05
    let folder = TemporaryFolder()
    let wrong = folder.write("wrong.f32", RawFloats.encode(expected))
    let run = CommandRun([
      "verify", Fixtures.path(name, ".json"), "--input", Fixtures.path(name, ".input.f32"),
      "--expect", wrong,
    ])
    #expect(run.status == 1)
    #expect(run.stdout.contains("1 of 1920 outside"))
  }
}

/// The generated C of every single-layer case under the strictest flags, then under the
/// address and undefined-behaviour sanitizers, run and compared with the interpreter.
@Suite struct StrictCompileTests {
  static let strict = ["-pedantic", "-Wall", "-Wextra", "-Werror"]

  static func verify(_ name: String, compiler: String, flags: [String]) throws -> Verifier.Report {
    let graph = try Fixtures.graph(name)
    let model = try CompiledModel(graph, options: CompileOptions(prefix: name, source: name))
    var options = Verifier.Options()
    options.compiler = compiler
    options.flags = flags
    options.input = try Fixtures.floats(name, ".input.f32")
    options.expect = try Fixtures.floats(name, ".output.f32")
    return try Verifier(model: model, options: options).run()
  }

  @Test(arguments: Fixtures.all)
  func gccStrictO2(_ name: String) throws {
    let report = try Self.verify(name, compiler: "gcc", flags: Self.strict + ["-O2"])
    #expect(report.passed, "\(report.layers.map(\.agreement))")
  }

  @Test(arguments: Fixtures.all)
  func gccSanitizers(_ name: String) throws {
    let flags =
      Self.strict + ["-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all"]
    let report = try Self.verify(name, compiler: "gcc", flags: flags)
    #expect(report.passed)
  }

  /// The AVX-512 path, where the host has it: strict flags and the sanitizers.
  @Test(.enabled(if: HostMachine.hasAVX512), arguments: Fixtures.all)
  func gccAVX512StrictWithSanitizers(_ name: String) throws {
    let macro = "-D\(CText.identifier(name).uppercased())_AVX512"
    let flags =
      Self.strict + [
        "-O1", "-g", "-march=native", macro, "-fsanitize=address,undefined",
        "-fno-sanitize-recover=all",
      ]
    let report = try Self.verify(name, compiler: "gcc", flags: flags)
    #expect(report.passed)
    #expect(report.compileCommand.contains(macro))
  }

  /// The AVX-512 path under clang's strict flags, where the host has it.
  @Test(.enabled(if: HostMachine.hasAVX512 && installed("clang")), arguments: Fixtures.all)
  func clangAVX512Strict(_ name: String) throws {
    let macro = "-D\(CText.identifier(name).uppercased())_AVX512"
    let report = try Self.verify(
      name, compiler: "clang", flags: Self.strict + ["-O2", "-march=native", macro])
    #expect(report.passed)
    #expect(report.compileCommand.contains(macro))
  }

  @Test(.enabled(if: installed("clang")), arguments: Fixtures.all)
  func clangStrictO2(_ name: String) throws {
    let report = try Self.verify(name, compiler: "clang", flags: Self.strict + ["-O2"])
    #expect(report.passed)
  }
}
