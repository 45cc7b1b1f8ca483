import BiDenseFrontend

/// `bidensec modules`: the table of modules a model spec or native graph can name, with their
/// attributes (type, range, default), inputs and parameters.
enum ModulesCommand {
  static let command = Command(
    name: "modules", summary: "list the modules a model can use, with attributes and parameters",
    operand: nil, options: [], run: run)

  static func run(_ args: Arguments, _ console: Console) throws -> Int32 {
    console.write(ModuleTable.markdown())
    return 0
  }
}
