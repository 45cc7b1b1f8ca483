import BiDenseFrontend
import BiDensePasses

/// `bidensec examples`: lists the built-in examples, which run with no files.
enum ExamplesCommand {
  static let command = Command(
    name: "examples", summary: "list the built-in examples (models with seeded parameters)",
    operand: nil, options: [], run: run)

  static func run(_ args: Arguments, _ console: Console) throws -> Int32 {
    for example in Examples.all {
      let mark = example.name == Examples.defaultName ? " (default)" : ""
      console.write("\(example.name)\(mark): \(example.summary)\n")
    }
    return 0
  }
}
