import Foundation
import Testing

@testable import BiDenseCodegen
@testable import BiDenseDriver
@testable import BiDenseFrontend
@testable import BiDenseIR

/// The template engine folds what the generator knows, so the C has no `* 1`, no loop that
/// runs once and no branch on a known count.
@Suite struct TemplateTests {
  func render(_ text: String, _ values: [String: TemplateValue]) throws -> String {
    try Template(name: "t", text: text).render(values)
  }

  @Test func expressionsFoldKnownFactors() throws {
    let text = "{{$oy * stride + $i * dilation - pad}}"
    #expect(try render(text, ["stride": 1, "dilation": 1, "pad": 0]) == "oy + i")
    #expect(try render(text, ["stride": 2, "dilation": 1, "pad": 1]) == "oy * 2 + i - 1")
    #expect(try render("{{0 * $x + 4 * $y / 2}}", [:]) == "y * 2")
    #expect(try render("{{$x / 1}} {{$x % 1}} {{7 / 2}} {{12 - $q0}}", [:]) == "x 0 3 12 - q0")
    // A quotient stays a unit under a product.
    #expect(try render("{{$t / 2 * w}}", ["w": 5]) == "(t / 2) * 5")
  }

  @Test func loopsOfOneOrNoIterationDisappear() throws {
    let text = "{\n    {{for $c in n}}\n        a[{{$c * 3 + 1}}] = 0;\n    {{end}}\n}\n"
    #expect(
      try render(text, ["n": 4])
        == "{\n    for (int c = 0; c < 4; ++c) {\n        a[c * 3 + 1] = 0;\n    }\n}\n")
    #expect(try render(text, ["n": 1]) == "{\n    a[1] = 0;\n}\n")
    #expect(try render(text, ["n": 0]) == "{\n}\n")
    let stepped = "{{for $x0 in 70 step 32}}\n    f({{$x0}});\n{{end}}\n"
    #expect(try render(stepped, [:]) == "for (int x0 = 0; x0 < 70; x0 += 32) {\n    f(x0);\n}\n")
    #expect(try render(stepped.replacingOccurrences(of: "70", with: "30"), [:]) == "f(0);\n")
  }

  @Test func aLoopVariableInPlainTextIsRejected() {
    #expect(throws: BiDenseError.self) {
      try Template(name: "t", text: "{{for $c in 2}}\n    a[c] = 0;\n{{end}}\n")
    }
  }

  @Test func conditionsAreDecidedByTheGenerator() throws {
    let text = "{{if n > 1}}\nmany\n{{else}}\none\n{{end}}\nx{{if on}} and y{{end}}\n"
    #expect(try render(text, ["n": 3, "on": true]) == "many\nx and y\n")
    #expect(try render(text, ["n": 1, "on": false]) == "one\nx\n")
    #expect(throws: BiDenseError.self) { try render("{{if $c > 1}}\n{{end}}\n", [:]) }
  }

  @Test func namedSizesAreDeclaredWhereUsed() throws {
    let text = "/* {{w}} wide */\nvoid f(void)\n{\n    {{enum}}\n    g({{$y * w}}, {{h}});\n}\n"
    let rendered = try render(text, ["w": .named("WIDTH", 24), "h": .named("HEIGHT", 1)])
    // Outside a function the number; inside, the name, declared once; 1 folds as a number.
    #expect(
      rendered
        == "/* 24 wide */\nvoid f(void)\n{\n    enum { WIDTH = 24 };\n    g(y * WIDTH, 1);\n}\n")
  }

  @Test func fragmentsSeeTheLoopTheyAreIn() throws {
    let text = "{{for $o in n}}\n    {{body}}\n{{end}}\n"
    let values: [String: TemplateValue] = ["n": 1, "body": .fragment("v += b[{{$o}}];\nw();")]
    #expect(try render(text, values) == "v += b[0];\nw();\n")
    let scoped: [String: TemplateValue] = [
      "n": 2, "body": .scoped("x[{{base + $o}}];", ["base": 5]),
    ]
    #expect(try render(text, scoped) == "for (int o = 0; o < 2; ++o) {\n    x[o + 5];\n}\n")
  }

  @Test func aMissingValueIsAnError() throws {
    let template = try Template(name: "t", text: "{{x}}")
    #expect(throws: BiDenseError.self) { try template.render([String: TemplateValue]()) }
  }
}

@Suite struct CLayoutTests {
  @Test func longCallsBreakAfterACommaUnderTheirParenthesis() {
    let line =
      "    result = compute(first_argument_value, second_argument_value, third_argument_value, "
      + "fourth_argument_value);"
    let wrapped = CLayout.wrap(line).split(separator: "\n")
    #expect(wrapped.count == 2)
    #expect(wrapped.allSatisfy { $0.count <= 100 })
    #expect(wrapped[0].hasSuffix(","))
    #expect(wrapped[1].hasPrefix(String(repeating: " ", count: 21) + "fourth"))
  }

  @Test func longCommentsAreRefilled() {
    let words = Array(repeating: "word", count: 40).joined(separator: " ")
    let wrapped = CLayout.wrap("    /* \(words) */").split(separator: "\n")
    #expect(wrapped.count > 1)
    #expect(wrapped.allSatisfy { $0.count <= 100 })
    #expect(wrapped.dropFirst().allSatisfy { $0.hasPrefix("     * ") })
    #expect(wrapped.last!.hasSuffix("*/"))
  }

  @Test func stringLiteralsAreNotBroken() {
    let line = "    trace(\"" + String(repeating: "a, b ", count: 30) + "\", x, y);"
    let wrapped = CLayout.wrap(line)
    #expect(wrapped.contains(String(repeating: "a, b ", count: 30)))
  }
}

@Suite struct LongNameTests {
  /// A long model name makes long identifiers everywhere: the generator still finishes, and
  /// the C still keeps to 100 columns where a break exists.
  @Test func aLongPrefixIsLaidOut() throws {
    let graph = try Examples.named("bidense-conv3x3")!.build()
    let prefix = String(repeating: "a_very_long_model_name_", count: 3)
    let model = try CompiledModel(graph, options: CompileOptions(prefix: prefix, source: "t"))
    for file in model.generated.files {
      for line in file.contents.split(separator: "\n") where line.count > 100 {
        // Only a single token longer than the line may remain.
        #expect(!line.trimmingCharacters(in: .whitespaces).contains(" "), "\(file.name): \(line)")
      }
    }
  }
}
