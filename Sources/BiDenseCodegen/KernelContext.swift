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
  func symbol(_ role: ConstantRole) -> String {
    guard let symbol = symbols[role] else {
      preconditionFailure("packing made no \(role) array for \(kernel.node.name)")
    }
    return symbol
  }

  /// The values every kernel's template shares: its function, a title, the output extents,
  /// and the epilogue at `epilogueIndent` spaces (after `leading` steps, for a lone op).
  func commonValues(
    title: String, output: TensorShape, input: TensorShape?, epilogueIndent: Int = 12,
    leading: [EpilogueStep] = []
  ) -> [String: String] {
    var values: [String: String] = [
      "fn": function,
      "title": "\(CText.comment(name)): \(title)",
      "channels": "\(output.channels)", "pixels": "\(output.pixels)",
      "outChannels": "\(output.channels)", "outHeight": "\(output.height)",
      "outWidth": "\(output.width)", "outPixels": "\(output.pixels)",
      "epilogue": epilogue(indent: epilogueIndent, leading: leading),
    ]
    if let input {
      values["inChannels"] = "\(input.channels)"
      values["inHeight"] = "\(input.height)"
      values["inWidth"] = "\(input.width)"
      values["inPixels"] = "\(input.pixels)"
    }
    return values
  }

  /// The kernel's epilogue statements at `indent` spaces, after any `leading` steps.
  func epilogue(indent: Int, leading: [EpilogueStep] = []) -> String {
    Epilogue.statements(
      leading + kernel.epilogue, symbols: symbols, indent: String(repeating: " ", count: indent))
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
