import BiDenseIR

/// The results of the passes as text, one line per node or buffer, so that a change to a pass
/// shows as a readable diff in the pass tests.
public enum PassDump {
  /// The primitive graph: `%id = Op(inputs) : shape  name`, with the `--dab-scale=layer` mark.
  public static func graph(_ graph: Graph) -> String {
    var out = ""
    for (id, node) in graph.nodes.enumerated() {
      let inputs = node.inputs.map { "%\($0)" }.joined(separator: ", ")
      var op = node.op.kindName
      if case .binarize(let b) = node.op, b.layerScale { op += "[layer scale]" }
      out += "%\(id) = \(op)(\(inputs)) : \(node.shape)  \(node.name)\n"
    }
    out += "outputs: " + graph.outputs.map { "%\($0)" }.joined(separator: ", ") + "\n"
    return out
  }

  /// The fused nodes in run order: what each computes, what it reads, and the channel sums
  /// it writes or reads.
  public static func schedule(_ schedule: Schedule) -> String {
    let graph = schedule.graph
    var out = ""
    for (index, node) in schedule.nodes.enumerated() {
      let inputs = node.inputs.map { "%\($0)" }.joined(separator: ", ")
      out += "node \(index) \(node.name): \(schedule.kindName(index))(\(inputs)) -> %\(node.output)"
      out += " : \(graph[node.output].shape)"
      let sums = [node.readsChannelSums ? "reads" : nil, node.producesChannelSums ? "writes" : nil]
        .compactMap { $0 }
      if !sums.isEmpty { out += ", channel sums: " + sums.joined(separator: " and ") }
      out +=
        "\n  ops: " + node.ops.map { "%\($0) \(graph[$0].op.kindName)" }.joined(separator: ", ")
      out += "\n"
    }
    return out
  }

  /// The kernels chosen for the fused nodes, with their scratch.
  public static func kernels(_ model: LoweredModel) -> String {
    var out = ""
    for (index, kernel) in model.kernels.enumerated() {
      out += "node \(index) \(kernel.node.name): \(kernel.kind.description)"
      out += ", scratch \(kernel.scratchBytes) bytes"
      if !kernel.epilogue.isEmpty {
        out += ", epilogue " + kernel.epilogue.map(\.kindName).joined(separator: "+")
      }
      if let layout = kernel.output.ternary {
        out += ", stores ternary signs, \(layout.description)"
      }
      out += "\n"
    }
    return out
  }

  /// The memory plan: each buffer's owner, size, live range and offset, then the totals.
  public static func memoryPlan(_ plan: MemoryPlan, _ schedule: Schedule) -> String {
    var out = ""
    for buffer in plan.buffers.sorted(by: { ($0.firstUse, $0.offset) < ($1.firstUse, $1.offset) }) {
      let owner: String
      switch buffer.owner {
      case .value(let id): owner = "%\(id) (\(schedule.graph[id].name))"
      case .scratch(let kernel): owner = "scratch of node \(kernel)"
      }
      out += "\(owner): \(buffer.bytes) bytes at \(buffer.offset), "
      out += "live \(buffer.firstUse)...\(buffer.lastUse)\n"
    }
    out += "workspace \(plan.workspaceBytes) bytes, lower bound \(plan.lowerBound) bytes\n"
    return out
  }
}
