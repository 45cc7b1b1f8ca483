import BiDenseIR
import BiDensePasses

/// What the emitter of one kernel reads besides the kernel itself: its function's name, the
/// model's prefix, and the names of the constant arrays that packing made for it.
struct KernelContext {
  let kernel: Kernel
  let prefix: String
  /// The C function of the kernel (`prefix_k3_stages_0_0_dwconv`).
  let function: String
  /// The arrays of the kernel by role, with the model's prefix.
  let symbols: [ConstantRole: String]
  let target: KernelTarget

  var name: String { kernel.node.name }
  var compensatedLanes: Int { target.compensatedLanes }

  /// The array that plays `role`; packing makes one for every role its kernel kind reads.
  func symbol(_ role: ConstantRole) -> TemplateValue {
    guard let symbol = symbols[role] else {
      preconditionFailure("packing made no \(role) array for \(kernel.node.name)")
    }
    return .text(symbol)
  }

  /// The values every kernel's template shares: its function, a title, the shapes and the
  /// epilogue (after `leading` steps, for a lone op) at `epilogueIndent` spaces.
  func commonValues(
    title: String, output: TensorShape, input: TensorShape?, epilogueIndent: Int = 12,
    leading: [EpilogueStep] = []
  ) -> [String: TemplateValue] {
    var values: [String: TemplateValue] = [
      "fn": .text(function), "prefix": .text(prefix),
      "title": .text("\(CText.comment(name)): \(title)"),
      "epilogue": epilogue(
        indent: epilogueIndent, leading: leading,
        residualIndex: output.isTokens ? "$p * channels + $o" : nil),
      "tokens": .bool(output.isTokens),
    ]
    values.merge(Self.sizes(output, "out")) { $1 }
    values.merge(Self.sizes(output, "")) { $1 }
    if let input { values.merge(Self.sizes(input, "in")) { $1 } }
    return values
  }

  /// A shape's extents as named sizes: `inChannels` is `IN_CHANNELS` in the C.
  static func sizes(_ shape: TensorShape, _ side: String) -> [String: TemplateValue] {
    func key(_ name: String) -> String {
      side.isEmpty ? name.lowercased() : side + name.prefix(1) + name.dropFirst().lowercased()
    }
    func named(_ name: String) -> String { side.isEmpty ? name : side.uppercased() + "_" + name }
    return [
      key("Channels"): .named(named("CHANNELS"), shape.channels),
      key("Height"): .named(named("HEIGHT"), shape.height),
      key("Width"): .named(named("WIDTH"), shape.width),
      key("Pixels"): .named(named("PIXELS"), shape.pixels),
    ]
  }

  /// The kernel's epilogue statements at `indent` spaces, after any `leading` steps, for
  /// output channel `channel` (a template expression); `steps` replaces the kernel's own, and
  /// `residualIndex` says where a residual's element is.
  func epilogue(
    indent: Int, leading: [EpilogueStep] = [], channel: String = "$o",
    steps: [EpilogueStep]? = nil, residualIndex: String? = nil
  ) -> TemplateValue {
    .fragment(
      Epilogue.statements(
        leading + (steps ?? kernel.epilogue), symbols: symbols,
        indent: String(repeating: " ", count: indent), channel: channel,
        residualIndex: residualIndex))
  }

  /// A template's text, moved right by `indent`, to render inside another template.
  func partial(_ name: String, indent: Int) throws -> TemplateValue {
    .fragment(try Template.text(name).indented(by: indent))
  }
}

/// A window's template values, each key prefixed (`kernelH`, `poolStrideW`, ...).
func windowValues(_ w: Window, prefix: String = "") -> [String: TemplateValue] {
  func key(_ name: String) -> String {
    prefix.isEmpty ? name : prefix + name.prefix(1).uppercased() + name.dropFirst()
  }
  return [
    key("kernelH"): .int(w.kernelH), key("kernelW"): .int(w.kernelW),
    key("strideH"): .int(w.strideH), key("strideW"): .int(w.strideW),
    key("padH"): .int(w.padH), key("padW"): .int(w.padW),
    key("dilationH"): .int(w.dilationH), key("dilationW"): .int(w.dilationW),
    key("area"): .int(w.taps), key("taps"): .int(w.taps),
    key("areaFloat"): .text(CText.float(Float(w.taps))),
  ]
}
