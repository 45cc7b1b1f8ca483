import BiDenseCodegen
import BiDenseFrontend
import BiDenseIR
import BiDensePasses
import BiDenseReference
import BiDenseTemplates
import Foundation

/// The fused graph as text, JSON or Graphviz dot: what was fused, where each output lives in
/// the workspace, and the flash each node's parameters take, packed against float32.
public enum GraphReport {
  public static func text(_ model: CompiledModel) -> String {
    let plan = model.plan
    let nodes = model.nodes
    var out = "\(model.options.source): \(model.graph.nodes.count) primitive ops fused into "
    out += "\(nodes.count) nodes, \(model.graph.parameterCount) parameters\n"
    out += pad("node", 5) + pad("name", 34) + pad("kind", 40) + pad("kernel", 36)
    out += pad("output", 18)
    out +=
      pad("location", 18) + pad("bytes", 10) + pad("scratch", 10) + pad("flash", 10) + "float32\n"
    for k in nodes {
      out += pad("\(k.index)", 5) + pad(printable(k.name), 34) + pad(k.kind, 40)
      out += pad(k.kernel.description, 36)
      out += pad(k.shape.description, 18) + pad(k.location.description, 18)
      out += pad("\(k.outputBytes)", 10)
      out += pad("\(k.scratchBytes)", 10) + pad("\(k.flashBytes)", 10) + "\(k.float32Bytes)\n"
    }
    let float32 = nodes.reduce(0) { $0 + $1.float32Bytes }
    let weightBytes = model.weights.pool.bytes
    out += "workspace: peak \(plan.workspaceBytes) bytes, lower bound \(plan.lowerBound) bytes"
    if plan.lowerBound > 0 {
      out += String(format: " (ratio %.3f)", Double(plan.workspaceBytes) / Double(plan.lowerBound))
    }
    out += "\nflash: \(weightBytes) bytes of weights against \(float32) bytes as float32"
    if weightBytes > 0 {
      out += String(format: " (1/%.1f)", Double(float32) / Double(weightBytes))
    }
    out += "\n"
    return out
  }

  /// The fused graph as JSON; with a footprint, a "target" object with its flash and RAM.
  public static func json(_ model: CompiledModel, footprint: TargetFootprint? = nil) -> String {
    var nodes: [String] = []
    for k in model.nodes {
      let inputs = model.schedule.nodes[k.index].inputs.map {
        "\"\(escape(model.graph[$0].name))\""
      }
      nodes.append(
        """
            {"index": \(k.index), "name": "\(escape(k.name))", "kind": "\(k.kind)", \
        "kernel": "\(k.kernel.description)", "family": "\(k.kernel.family)", \
        "function": "\(k.function)", "shape": [1, \(k.shape.channels), \(k.shape.height), \(k.shape.width)], \
        "location": "\(k.location.description)", "output_bytes": \(k.outputBytes), "scratch_bytes": \(k.scratchBytes), \
        "flash_bytes": \(k.flashBytes), "float32_bytes": \(k.float32Bytes), \
        "inputs": [\(inputs.joined(separator: ", "))], \
        "ops": [\(k.ops.map { "\"\(escape($0))\"" }.joined(separator: ", "))]}
        """)
    }
    var target = ""
    if let f = footprint {
      let optional = { (value: Int?) in value.map(String.init) ?? "null" }
      target =
        "\n \"target\": {\"name\": \"\(f.target)\", \"flash_bytes\": \(f.flashBytes), "
        + "\"flash_source\": \"\(escape(f.flashSource))\", \"workspace_bytes\": \(f.workspaceBytes), "
        + "\"stack_bytes\": \(optional(f.stackBytes)), \"ram_bytes\": \(optional(f.ramBytes)), "
        + "\"instructions\": \(optional(f.instructions))},"
    }
    return """
      {"model": "\(escape(model.options.source))", "prefix": "\(model.generated.prefix)", \
      "parameters": \(model.graph.parameterCount), "input_size": \(model.plan.inputFloats), \
      "output_size": \(model.plan.outputFloats), "workspace_bytes": \(model.plan.workspaceBytes), \
      "workspace_lower_bound": \(model.plan.lowerBound), "weight_bytes": \(model.weights.pool.bytes),\(target)
       "nodes": [
      \(nodes.joined(separator: ",\n"))
      ]}

      """
  }

  public static func dot(_ model: CompiledModel) -> String {
    let graph = model.graph
    let producers = model.schedule.producers()
    var out = "digraph \"\(escape(model.generated.prefix))\" {\n  rankdir=TB;\n"
    out += "  node [shape=box, fontname=\"Helvetica\", fontsize=10];\n"
    for id in graph.inputs {
      out += "  v\(id) [shape=ellipse, label=\"\(escape(graph[id].name))\\n\(graph[id].shape)\"];\n"
    }
    for k in model.nodes {
      out +=
        "  k\(k.index) [label=\"\(k.index): \(escape(k.name))\\n\(k.kind)\\n\(k.kernel.description)\\n\(k.shape)\"];\n"
    }
    for (index, kernel) in model.schedule.nodes.enumerated() {
      for input in kernel.inputs {
        let from = producers[input].map { "k\($0)" } ?? "v\(input)"
        out += "  \(from) -> k\(index);\n"
      }
    }
    out += "}\n"
    return out
  }

  /// A string safe inside double quotes in JSON and dot.
  static func escape(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case _ where scalar.value < 0x20 || scalar.value == 0x7F:
        out += String(format: "\\u%04x", scalar.value)
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out
  }

  static func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
  }
}
