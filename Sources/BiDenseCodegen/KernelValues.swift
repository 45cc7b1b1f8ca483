import BiDenseIR
import BiDensePasses
import BiDenseTemplates

/// The template values every kernel shares: its function, a title, the input and output
/// extents, and the epilogue.
extension EmitContext {
  /// `epilogueIndent` is the indentation of the loop body that stores `v`; `leading` are nodes
  /// to apply before the kernel's own epilogue (a lone elementwise op).
  mutating func commonValues(
    _ kernel: Kernel, title: String, input: TensorShape?, epilogueIndent: Int = 12,
    leading: [ValueID] = []
  ) -> [String: String] {
    let output = graph[kernel.output].shape
    var values: [String: String] = [
      "fn": functionName,
      "title": "\(CText.comment(kernel.name)): \(title)",
      "channels": "\(output.channels)", "pixels": "\(output.pixels)",
      "outChannels": "\(output.channels)", "outHeight": "\(output.height)",
      "outWidth": "\(output.width)", "outPixels": "\(output.pixels)",
      "epilogue": epilogue(kernel, indent: epilogueIndent, including: leading),
    ]
    if let input {
      values["inChannels"] = "\(input.channels)"
      values["inHeight"] = "\(input.height)"
      values["inWidth"] = "\(input.width)"
      values["inPixels"] = "\(input.pixels)"
    }
    return values
  }

  /// The kernel's epilogue statements at `indent` spaces, after any leading epilogue nodes.
  mutating func epilogue(_ kernel: Kernel, indent: Int, including extra: [ValueID] = []) -> String {
    var withExtra = kernel
    withExtra.epilogue = extra + kernel.epilogue
    return Epilogue.statements(
      withExtra, graph, pool: &pool, symbolBase: symbolBase,
      indent: String(repeating: " ", count: indent))
  }
}

/// A window's template values, each key prefixed (`kernelH`, `poolStrideW`, ...).
func windowValues(_ w: Window, prefix: String = "") -> [String: String] {
  func key(_ name: String) -> String {
    prefix.isEmpty ? name : prefix + name.prefix(1).uppercased() + name.dropFirst()
  }
  return [
    key("kernelH"): "\(w.kernelH)", key("kernelW"): "\(w.kernelW)",
    key("strideH"): "\(w.strideH)", key("strideW"): "\(w.strideW)",
    key("padH"): "\(w.padH)", key("padW"): "\(w.padW)",
    key("dilationH"): "\(w.dilationH)", key("dilationW"): "\(w.dilationW)",
    key("area"): "\(w.kernelH * w.kernelW)", key("taps"): "\(w.taps)",
    key("areaFloat"): CText.float(Float(w.kernelH * w.kernelW)),
  ]
}
