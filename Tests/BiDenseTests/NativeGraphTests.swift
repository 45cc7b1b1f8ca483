import Foundation
import Testing

@testable import BiDenseCLI
@testable import BiDenseCodegen
@testable import BiDenseDriver
@testable import BiDenseFrontend
@testable import BiDenseIR
@testable import BiDensePasses
@testable import BiDenseReference

@Suite struct NativeGraphTests {
  /// A node name full of C syntax reaches the C only escaped: the code compiles cleanly and
  /// still computes what the interpreter computes.
  @Test func hostileNamesStayOutOfTheC() throws {
    let hostile = "evil */ \"name\" \\ ??= \n #define x"
    let graph = """
      {"name": "9 lives */",
       "inputs": [{"name": "x", "shape": [1, 8, 5, 6]}],
       "nodes": [{"name": \(jsonString(hostile)), "op": "BiDenseConv2d", "inputs": ["x"],
                  "attributes": {"in_channels": 8, "out_channels": 12, "padding": 1}}],
       "outputs": [\(jsonString(hostile))]}
      """
    let store = WeightStore.seeded(7, source: "seeded")
    let (built, _) = try NativeGraph.build(
      try JSON.parse(Data(graph.utf8)), weights: store, name: "x")
    #expect(built.name == "9 lives */")
    let model = try CompiledModel(
      built, options: CompileOptions(prefix: built.name, source: hostile))
    #expect(model.generated.prefix == "m_9_lives")
    for file in model.generated.files {
      #expect(!codeOnly(file.contents).contains("#define x"), "\(file.name)")
    }
    var options = Verifier.Options()
    options.compiler = "gcc"
    options.flags = StrictCompileTests.strict + ["-O2"]
    let report = try Verifier(model: model, options: options).run()
    #expect(report.passed)
    #expect(report.endToEnd.outside == 0)
  }

  /// Two nodes naming the same `parameters` share one module's weights, stored once.
  @Test func sharedParametersAreStoredOnce() throws {
    let graph = """
      {"inputs": [{"name": "x", "shape": [1, 8, 4, 4]}],
       "nodes": [
         {"name": "a", "op": "BiDenseConv2d", "parameters": "smooth", "inputs": ["x"],
          "attributes": {"in_channels": 8, "out_channels": 8, "padding": 1}},
         {"name": "b", "op": "BiDenseConv2d", "parameters": "smooth", "inputs": ["a"],
          "attributes": {"in_channels": 8, "out_channels": 8, "padding": 1}}],
       "outputs": ["b"]}
      """
    let (built, _) = try NativeGraph.build(
      try JSON.parse(Data(graph.utf8)), weights: .seeded(1, source: "seeded"), name: "shared")
    let model = try CompiledModel(built, options: CompileOptions(prefix: "shared", source: "test"))
    #expect(model.lowered.kernels.count == 2)
    #expect(model.weights.flashBytes[0] > 0)
    #expect(model.weights.flashBytes[1] == 0)
  }

  /// C code without its comments and string literals: what the compiler reads as code.
  func codeOnly(_ text: String) -> String {
    var out = ""
    var chars = Array(text)[...]
    while let c = chars.popFirst() {
      if c == "/" && chars.first == "*" {
        while !chars.isEmpty && !(chars.first == "*" && chars.dropFirst().first == "/") {
          chars.removeFirst()
        }
        chars = chars.dropFirst(2)
      } else if c == "\"" {
        while let s = chars.popFirst(), s != "\"" {
          if s == "\\" { _ = chars.popFirst() }
        }
      } else {
        out.append(c)
      }
    }
    return out
  }

  func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }
}
