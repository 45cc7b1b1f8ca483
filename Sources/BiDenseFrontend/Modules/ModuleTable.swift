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

  /// The 1×1 head of a depth model under `prefix` (`out_conv2.2.`): one output channel.
  static func depthHead(_ prefix: String) -> [ParameterEntry] {
    [
      .tensors([prefix + "weight"], shape: "[1, 32, 1, 1]"),
      .tensors([prefix + "bias"], shape: "[1]"),
    ]
  }

  /// The 1×1 head of a segmentation model under `prefix`: one output channel per class.
  static func segmentationHead(_ prefix: String) -> [ParameterEntry] {
    [
      .tensors([prefix + "weight"], shape: "[classes, features / 2, 1, 1]"),
      .tensors([prefix + "bias"], shape: "[classes]"),
    ]
  }

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

/// A method of a module that a model spec may `call` instead of `forward`, with its own
/// arguments; it may return several outputs (VisionTransformer.get_intermediate_layers).
public struct MethodDefinition: Sendable {
  public var name: String
  public var summary: String
  public var arguments: [AttributeSpec]
  /// Lowers the call to primitive ops; returns its outputs in PyTorch's order, flattened.
  let build: @Sendable (inout ModuleBuilder, ModuleCall, Attributes) throws -> [ValueID]

  init(
    _ name: String, _ summary: String, arguments: [AttributeSpec],
    build: @escaping @Sendable (inout ModuleBuilder, ModuleCall, Attributes) throws -> [ValueID]
  ) {
    self.name = name
    self.summary = summary
    self.arguments = arguments
    self.build = build
  }
}

/// One module a model spec's `module` or a native graph's `op` can name: everything bidensec
/// knows about it, in one place. The parser checks attributes against it, the builder
/// dispatches on it and the catalogue (`bidensec modules`, README's table) renders it.
public struct ModuleDefinition: Sendable {
  public var name: String
  /// The file of the paper's repository that defines the module (nil for PyTorch's own and
  /// for bidensec's single ops): two modules may share a class name, and a model's `source`
  /// tells them apart.
  public var source: String?
  public var summary: String
  public var arity: Arity
  public var attributes: [AttributeSpec]
  public var parameters: [ParameterEntry]
  /// The methods a model spec may `call` besides `forward`.
  public var methods: [MethodDefinition]
  /// Lowers the module to primitive ops; returns its output.
  let build: @Sendable (inout ModuleBuilder, ModuleCall) throws -> ValueID

  init(
    _ name: String, _ summary: String, source: String? = nil, arity: Arity = .exactly(1),
    attributes: [AttributeSpec] = [], parameters: [ParameterEntry] = [],
    methods: [MethodDefinition] = [],
    build: @escaping @Sendable (inout ModuleBuilder, ModuleCall) throws -> ValueID
  ) {
    self.name = name
    self.source = source
    self.summary = summary
    self.arity = arity
    self.attributes = attributes
    self.parameters = parameters
    self.methods = methods
    self.build = build
  }

  public func attribute(_ name: String) -> AttributeSpec? {
    attributes.first { $0.name == name }
  }

  public func method(_ name: String) -> MethodDefinition? {
    methods.first { $0.name == name }
  }
}

/// The table of every module, in catalogue order; each definition lives with its builder in
/// the family files (ModuleBuilder.swift, BiDenseBlocks.swift, ConvNeXt.swift, UperNet.swift,
/// ViT.swift, DPT.swift, Primitives.swift).
public enum ModuleTable {
  public static let all: [ModuleDefinition] = [
    biDenseConv2d, biDenseConvTranspose2d, transition, biDenseDown, biDenseUp, convNeXtBlock,
    pspModule, fpnFuse, uperNetDepth, uperNetSegmentation, residualConvUnit, featureFusionBlock,
    binaryLinearSTE, binaryLinearAdaptiveScaling, readoutBinaryLinear, vitAttention, vitMlp,
    layerScale, vitBlock, visionTransformer, dptDepth, dptSegmentation,
    conv2d, batchNorm2d, layerNorm, learnableBias, prelu, relu, gelu, sigmoid, multiply,
    identity, dropout, dropout2d, add, concat, avgPool2d, adaptiveAvgPool2d, interpolate,
    resize,
  ]

  /// The definitions of a name, in table order: the first is the one a model without a
  /// `source` means.
  private static let byName: [String: [ModuleDefinition]] = Dictionary(
    grouping: all, by: \.name)

  /// The module `name`; with a `source`, the one defined in that file.
  public static func named(_ name: String, source: String? = nil) -> ModuleDefinition? {
    guard let candidates = byName[name] else { return nil }
    guard let source else { return candidates.first }
    return candidates.first { $0.source == source }
  }

  /// Whether more than one module has this class name (the catalogue then names the file).
  static func isShared(_ name: String) -> Bool { (byName[name]?.count ?? 0) > 1 }

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
    var parameters = d.parameters.map(\.text)
    for method in d.methods {
      parameters.append(
        "call `\(method.name)`: \(method.summary); arguments "
          + method.arguments.map { "`\($0.name)` \($0.kind.short)" }.joined(separator: ", "))
    }
    let module =
      isShared(d.name) ? "`\(d.name)` (`\(d.source ?? "torch.nn")`)" : "`\(d.name)`"
    let cells = [
      module, d.summary, d.arity.text,
      attributes.isEmpty ? "" : attributes.joined(separator: "; "),
      parameters.isEmpty ? "" : parameters.joined(separator: "; "),
    ]
    return "| "
      + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ")
      + " |"
  }
}

extension ModuleBuilder {
  /// The definition of `module` from `source` (or the name's first, without one).
  static func definition(_ module: String, source: String?) throws -> ModuleDefinition {
    if let definition = ModuleTable.named(module, source: source) { return definition }
    guard let known = ModuleTable.named(module) else {
      throw BiDenseError(
        "unknown module '\(printable(module))' (`bidensec modules` lists the known ones)")
    }
    let files = ModuleTable.all.filter { $0.name == module }.map { $0.source ?? "torch.nn" }
    throw BiDenseError(
      "module '\(printable(module))' from '\(printable(source ?? ""))' is not known; bidensec "
        + "has \(known.name) from \(files.joined(separator: " and "))")
  }

  /// Builds the module `module` at `path` on `inputs`: its attributes are checked against
  /// the table before its build function runs. Returns its output.
  public mutating func module(
    _ module: String, source: String? = nil, path: String, constructor json: JSON,
    inputs: [ValueID]
  ) throws -> ValueID {
    let definition = try Self.definition(module, source: source)
    let attributes = try Attributes(json, for: definition)
    try definition.arity.check(inputs.count, attributes)
    return try definition.build(
      &self, ModuleCall(path: path, attributes: attributes, inputs: inputs))
  }

  /// Calls `method` of the module `module` with `arguments`; returns its outputs.
  public mutating func call(
    _ module: String, source: String?, method: String, arguments: JSON, path: String,
    constructor json: JSON, inputs: [ValueID]
  ) throws -> [ValueID] {
    let definition = try Self.definition(module, source: source)
    guard let called = definition.method(method) else {
      let known = definition.methods.map(\.name)
      throw BiDenseError(
        "\(module) has no method '\(printable(method))' that bidensec can call; it calls "
          + (["forward"] + known).joined(separator: ", "))
    }
    let attributes = try Attributes(json, for: definition)
    try definition.arity.check(inputs.count, attributes)
    let args = try Attributes(
      arguments, module: "\(module).\(method)", specs: called.arguments)
    return try called.build(
      &self, ModuleCall(path: path, attributes: attributes, inputs: inputs), args)
  }
}
