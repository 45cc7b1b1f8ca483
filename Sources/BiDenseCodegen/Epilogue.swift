import BiDenseIR
import BiDensePasses

/// The statements of a kernel's epilogue, as template text: they update the float `v` of
/// output channel `channel` (a template expression, `$o` by default) in place, in the order
/// of the graph. A residual adds the element at `residualIndex` (a template expression) of
/// the kernel's residual input `r0`, `r1`, ... in the order the steps read them.
enum Epilogue {
  static func statements(
    _ steps: [EpilogueStep], symbols: [ConstantRole: String], indent: String,
    value: String = "v", channel: String = "$o", residualIndex: String? = nil
  ) -> String {
    let channel = "{{\(channel)}}"
    var out = ""
    var residuals = 0
    for step in steps {
      let line: String
      switch step.action {
      case .residual:
        guard let residualIndex else {
          preconditionFailure("\(step.name): a residual in a kernel that cannot add one")
        }
        line = "\(value) = \(value) + r\(residuals)[{{\(residualIndex)}}];"
        residuals += 1
      case .elementwise(let op):
        line = statement(op, step, symbols, value: value, channel: channel)
      }
      out += "\(indent)\(line) /* \(CText.comment(step.name)) */\n"
    }
    return out
  }

  static func statement(
    _ op: ElementwiseOp, _ step: EpilogueStep, _ symbols: [ConstantRole: String], value: String,
    channel: String
  ) -> String {
    switch op {
    case .learnableBias:
      return "\(value) = \(value) + \(symbols[.epilogue(step.id, index: 0)]!)[\(channel)];"
    case .prelu:
      let weight = symbols[.epilogue(step.id, index: 0)]!
      // The slope is read unconditionally, so that compilers vectorise the loop around it.
      return "{ const float slope = \(weight)[\(channel)]; "
        + "\(value) = \(value) >= 0.0f ? \(value) : slope * \(value); }"
    case .relu:
      return "\(value) = \(value) < 0.0f ? 0.0f : \(value);"
    case .sigmoid:
      return "\(value) = 1.0f / (1.0f + expf(-\(value)));"
    case .multiply(let factor):
      return "\(value) = \(value) * \(CText.float(factor));"
    case .batchNorm:
      let s = symbols[.epilogue(step.id, index: 0)]!
      let t = symbols[.epilogue(step.id, index: 1)]!
      return "\(value) = \(value) * \(s)[\(channel)] + \(t)[\(channel)];"
    case .layerScale:
      return "\(value) = \(value) * \(symbols[.epilogue(step.id, index: 0)]!)[\(channel)];"
    case .gelu:
      // PyTorch's order: x * 0.5 * (1 + erf(x * M_SQRT1_2)).
      return
        "\(value) = (\(value) * 0.5f) * (1.0f + erff(\(value) * \(CText.float(Float(0.5.squareRoot())))));"
    }
  }

  /// The names of a kernel's residual inputs, one per residual step: `r0`, `r1`, ...
  static func residualParameters(_ steps: [EpilogueStep]) -> [String] {
    var names: [String] = []
    for step in steps {
      if case .residual = step.action { names.append("r\(names.count)") }
    }
    return names
  }
}
