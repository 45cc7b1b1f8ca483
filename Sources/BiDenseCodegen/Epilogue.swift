import BiDenseIR
import BiDensePasses

/// The statements of a kernel's elementwise epilogue, as template text: they update the float
/// `v` of output channel `channel` (a template expression, `$o` by default) in place, in the
/// order of the graph.
enum Epilogue {
  static func statements(
    _ steps: [EpilogueStep], symbols: [ConstantRole: String], indent: String,
    value: String = "v", channel: String = "$o"
  ) -> String {
    let channel = "{{\(channel)}}"
    var out = ""
    for step in steps {
      let line: String
      switch step.op {
      case .learnableBias:
        line = "\(value) = \(value) + \(symbols[.epilogue(step.id, index: 0)]!)[\(channel)];"
      case .prelu:
        let weight = symbols[.epilogue(step.id, index: 0)]!
        line = "\(value) = \(value) >= 0.0f ? \(value) : \(weight)[\(channel)] * \(value);"
      case .relu:
        line = "\(value) = \(value) < 0.0f ? 0.0f : \(value);"
      case .sigmoid:
        line = "\(value) = 1.0f / (1.0f + expf(-\(value)));"
      case .multiply(let factor):
        line = "\(value) = \(value) * \(CText.float(factor));"
      case .layerScale, .gelu:
        line = "TODO"
      case .batchNorm:
        let s = symbols[.epilogue(step.id, index: 0)]!
        let t = symbols[.epilogue(step.id, index: 1)]!
        line = "\(value) = \(value) * \(s)[\(channel)] + \(t)[\(channel)];"
      }
      out += "\(indent)\(line) /* \(CText.comment(step.name)) */\n"
    }
    return out
  }
}
