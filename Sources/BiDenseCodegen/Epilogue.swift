import BiDenseIR
import BiDensePasses
import BiDenseTemplates

/// The C statements of a kernel's elementwise epilogue: they update the float `v` of output
/// channel `o` in place, in the order of the graph.
enum Epilogue {
  static func statements(
    _ kernel: Kernel, _ graph: Graph, pool: inout ConstantPool, symbolBase: String,
    indent: String, value: String = "v", channel: String = "o"
  ) -> String {
    var out = ""
    for id in kernel.epilogue {
      let node = graph[id]
      let name = "\(symbolBase)_n\(id)"
      let line: String
      switch node.op {
      case .learnableBias(let bias):
        let symbol = pool.floats(name, bias, comment: "\(node.name): LearnableBias")
        line = "\(value) = \(value) + \(symbol)[\(channel)];"
      case .prelu(let weight):
        let symbol = pool.floats(name, weight, comment: "\(node.name): PReLU weight")
        line = "\(value) = \(value) >= 0.0f ? \(value) : \(symbol)[\(channel)] * \(value);"
      case .relu:
        line = "\(value) = \(value) < 0.0f ? 0.0f : \(value);"
      case .sigmoid:
        line = "\(value) = 1.0f / (1.0f + expf(-\(value)));"
      case .multiply(let factor):
        line = "\(value) = \(value) * \(CText.float(factor));"
      case .batchNorm(let bn):
        let (scale, shift) = BatchNormFold.perChannel(bn)
        let s = pool.floats(name + "_scale", scale, comment: "\(node.name): BatchNorm scale")
        let t = pool.floats(name + "_shift", shift, comment: "\(node.name): BatchNorm shift")
        line = "\(value) = \(value) * \(s)[\(channel)] + \(t)[\(channel)];"
      default:
        preconditionFailure("\(node.op.kindName) in an epilogue")
      }
      out += "\(indent)\(line) /* \(CText.comment(node.name)) */\n"
    }
    return out
  }
}
