import BiDenseIR
import Foundation

/// How many inputs a module takes.
public enum Arity: Sendable, Equatable {
  case exactly(Int)
  case between(Int, Int)
  case atLeast(Int)
  /// One input per entry of a list attribute (FPN_fuse: one per `feature_channels`).
  case oneEach(of: String)

  var text: String {
    switch self {
    case .exactly(let n): return "\(n)"
    case .between(let a, let b): return b == a + 1 ? "\(a) or \(b)" : "\(a) to \(b)"
    case .atLeast(let n): return "\(n) or more"
    case .oneEach(let name): return "one per `\(name)`"
    }
  }

  func check(_ count: Int, _ attributes: Attributes) throws {
    let fits: Bool
    switch self {
    case .exactly(let n): fits = count == n
    case .between(let a, let b): fits = (a...b).contains(count)
    case .atLeast(let n): fits = count >= n
    case .oneEach(let name): fits = count == (try attributes.ints(name)).count
    }
    guard fits else {
      let wanted: String
      if case .oneEach(let name) = self {
        wanted = "one per \(name) entry (\(try attributes.ints(name).count))"
      } else {
        wanted = text
      }
      throw BiDenseError("\(attributes.module) takes \(wanted) input(s), got \(count)")
    }
  }
}

/// A parameter a module owns directly, or a child module whose parameters sit under a prefix.
public enum ParameterEntry: Sendable {
  /// State_dict names (under the module's prefix) sharing one shape; `when` says when present.
  case tensors([String], shape: String, when: String? = nil)
  /// A child module: its prefix (`conv.`), its class and how the parent configures it.
  case child(String, module: String, note: String? = nil)

  var text: String {
    switch self {
    case .tensors(let names, let shape, let when):
      return names.map { "`\($0)`" }.joined(separator: ", ") + " \(shape)"
        + (when.map { " (\($0))" } ?? "")
    case .child(let prefix, let module, let note):
      return "`\(prefix)` \(module)" + (note.map { " (\($0))" } ?? "")
    }
  }
}

/// What a module's build function gets: where the module sits in the state_dict, its checked
/// attributes and its inputs (their number already checked against the arity).
struct ModuleCall {
  var path: String
  var attributes: Attributes
  var inputs: [ValueID]
  var input: ValueID { inputs[0] }
}

/// One module a model spec's `module` or a native graph's `op` can name: everything bidensec
/// knows about it, in one place. The parser checks attributes against it, the builder
/// dispatches on it and the catalogue (`bidensec modules`, README's table) renders it.
public struct ModuleDefinition: Sendable {
  public var name: String
  public var summary: String
  public var arity: Arity
  public var attributes: [AttributeSpec]
  public var parameters: [ParameterEntry]
  /// Lowers the module to primitive ops; returns its output.
  let build: @Sendable (inout ModuleBuilder, ModuleCall) throws -> ValueID

  init(
    _ name: String, _ summary: String, arity: Arity = .exactly(1),
    attributes: [AttributeSpec] = [], parameters: [ParameterEntry] = [],
    build: @escaping @Sendable (inout ModuleBuilder, ModuleCall) throws -> ValueID
  ) {
    self.name = name
    self.summary = summary
    self.arity = arity
    self.attributes = attributes
    self.parameters = parameters
    self.build = build
  }

  public func attribute(_ name: String) -> AttributeSpec? {
    attributes.first { $0.name == name }
  }
}

/// The table of every module, in catalogue order; each definition lives with its builder in
/// the family files (ModuleBuilder.swift, BiDenseBlocks.swift, ConvNeXt.swift, UperNet.swift,
/// DPT.swift, Primitives.swift).
public enum ModuleTable {
  public static let all: [ModuleDefinition] = [
    biDenseConv2d, biDenseConvTranspose2d, transition, biDenseDown, biDenseUp, convNeXtBlock,
    pspModule, fpnFuse, uperNetDepth, uperNetSegmentation, residualConvUnit, featureFusionBlock,
    conv2d, batchNorm2d, learnableBias, prelu, relu, sigmoid, multiply, identity, dropout,
    dropout2d, add, concat, avgPool2d, adaptiveAvgPool2d, interpolate,
  ]

  private static let byName: [String: ModuleDefinition] = Dictionary(
    uniqueKeysWithValues: all.map { ($0.name, $0) })

  public static func named(_ name: String) -> ModuleDefinition? { byName[name] }

  /// The catalogue as a Markdown table: per module its inputs, its attributes (type, range,
  /// default) and its parameters. README's table is this text.
  public static func markdown() -> String {
    var out = "| module | what | inputs | attributes | parameters |\n|---|---|---|---|---|\n"
    for definition in all { out += row(definition) + "\n" }
    return out
  }

  /// One module's row of the catalogue.
  public static func row(_ d: ModuleDefinition) -> String {
    let attributes = d.attributes.map { spec -> String in
      let fallback: String
      switch spec.fallback {
      case .required: fallback = "required"
      case .value(.string(let s)): fallback = "`\"\(s)\"`"
      case .value(let value): fallback = "\(value)"
      case .optional(let meaning): fallback = "optional: \(meaning)"
      }
      let single: Bool
      switch spec.kind {
      case .bool(let only): single = only != nil
      case .int(let r): single = r.count == 1
      default: single = false
      }
      return "`\(spec.name)` \(spec.kind.short)" + (single ? "" : " (\(fallback))")
        + (spec.note.map { ", \($0)" } ?? "")
    }
    let parameters = d.parameters.map(\.text)
    let cells = [
      "`\(d.name)`", d.summary, d.arity.text,
      attributes.isEmpty ? "" : attributes.joined(separator: "; "),
      parameters.isEmpty ? "" : parameters.joined(separator: "; "),
    ]
    return "| "
      + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ")
      + " |"
  }
}

extension ModuleBuilder {
  /// Builds the module `module` at `path` on `inputs`: its attributes are checked against
  /// the table before its build function runs. Returns its output.
  public mutating func module(
    _ module: String, path: String, constructor json: JSON, inputs: [ValueID]
  ) throws -> ValueID {
    guard let definition = ModuleTable.named(module) else {
      throw BiDenseError(
        "unknown module '\(printable(module))' (`bidensec modules` lists the known ones)")
    }
    let attributes = try Attributes(json, for: definition)
    try definition.arity.check(inputs.count, attributes)
    return try definition.build(
      &self, ModuleCall(path: path, attributes: attributes, inputs: inputs))
  }
}
