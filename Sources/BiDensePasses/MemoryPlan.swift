import BiDenseIR

// Stage 7 of the pipeline: memory planning.
// In:  a LoweredModel (the kernels in run order, with their scratch needs).
// Out: a MemoryPlan: where every value lives (the caller's input or output buffer, or an
//      offset in the one workspace), where each kernel's scratch lives, the workspace's size
//      and its lower bound.
// Liveness over the schedule: a value lives from the kernel that writes it to the last
// kernel that reads it; scratch lives during its kernel only. Buffers are placed largest
// first at the lowest offset that overlaps no buffer live at the same time.

/// Where a value lives while the model runs.
public enum ValueLocation: Sendable, Equatable, CustomStringConvertible {
  /// In the caller's input buffer, this many floats from its start.
  case input(Int)
  /// In the caller's output buffer, this many floats from its start.
  case output(Int)
  /// In the workspace, this many bytes from its start.
  case workspace(Int)

  public var description: String {
    switch self {
    case .input(let offset): return "input+\(offset)"
    case .output(let offset): return "output+\(offset)"
    case .workspace(let offset): return "workspace+\(offset)"
    }
  }
}

public struct MemoryPlan: Sendable {
  public struct Buffer: Sendable {
    public enum Owner: Sendable, Hashable {
      case value(ValueID)
      case scratch(kernel: Int)
    }

    public var owner: Owner
    public var bytes: Int
    public var firstUse: Int
    public var lastUse: Int
    public var offset: Int = 0
  }

  /// Offsets are multiples of this, so that any buffer suits float and vector loads.
  public static let alignment = 64

  public var buffers: [Buffer]
  public var workspaceBytes: Int
  /// The largest total of bytes live at one time: no placement can use less.
  public var lowerBound: Int
  /// Where each value read or written by a kernel lives.
  public var locations: [ValueID: ValueLocation]
  /// The model's input and output sizes, in floats.
  public var inputFloats: Int
  public var outputFloats: Int

  public func offset(of owner: Buffer.Owner) -> Int? {
    buffers.first { $0.owner == owner }?.offset
  }

  /// Plans `model`. Graph inputs and outputs live in the caller's buffers, in their order,
  /// not in the workspace.
  public init(_ model: LoweredModel) throws {
    let graph = model.graph
    let nodes = model.schedule.nodes
    var locations: [ValueID: ValueLocation] = [:]
    var offset = 0
    for id in graph.inputs {
      locations[id] = .input(offset)
      offset += graph[id].shape.count
    }
    inputFloats = offset
    offset = 0
    for id in graph.outputs {
      guard locations[id] == nil else {
        throw BiDenseError(
          node: graph[id].name, "a model output that is also a model input is not supported")
      }
      locations[id] = .output(offset)
      offset += graph[id].shape.count
    }
    outputFloats = offset
    let outputs = Set(graph.outputs)
    var lastUse: [ValueID: Int] = [:]
    for (index, node) in nodes.enumerated() {
      for input in node.inputs { lastUse[input] = index }
    }
    var buffers: [Buffer] = []
    for (index, node) in nodes.enumerated() {
      if !outputs.contains(node.output) {
        let shape = graph[node.output].shape
        let sums = node.producesChannelSums ? shape.channels : 0
        let bytes = Self.aligned(model.kernels[index].outputBytes(shape) + 4 * sums)
        buffers.append(
          Buffer(
            owner: .value(node.output), bytes: bytes, firstUse: index,
            lastUse: lastUse[node.output] ?? index))
      }
      let scratch = model.kernels[index].scratchBytes
      if scratch > 0 {
        buffers.append(
          Buffer(
            owner: .scratch(kernel: index), bytes: Self.aligned(scratch), firstUse: index,
            lastUse: index))
      }
    }
    // Largest first, then earliest, so the placement is deterministic.
    let order = buffers.indices.sorted {
      (buffers[$0].bytes, -buffers[$0].firstUse, -$0) > (
        buffers[$1].bytes, -buffers[$1].firstUse, -$1
      )
    }
    var placed: [Int] = []
    var end = 0
    for i in order {
      let live = placed.filter {
        buffers[$0].firstUse <= buffers[i].lastUse && buffers[i].firstUse <= buffers[$0].lastUse
      }.sorted { buffers[$0].offset < buffers[$1].offset }
      var candidate = 0
      for j in live {
        if candidate + buffers[i].bytes <= buffers[j].offset { break }
        candidate = max(candidate, buffers[j].offset + buffers[j].bytes)
      }
      buffers[i].offset = candidate
      end = max(end, candidate + buffers[i].bytes)
      placed.append(i)
    }
    var peak = 0
    for index in nodes.indices {
      let live = buffers.filter { $0.firstUse <= index && index <= $0.lastUse }
      peak = max(peak, live.reduce(0) { $0 + $1.bytes })
    }
    for buffer in buffers {
      if case .value(let id) = buffer.owner { locations[id] = .workspace(buffer.offset) }
    }
    self.buffers = buffers
    self.locations = locations
    workspaceBytes = end
    lowerBound = peak
  }

  static func aligned(_ bytes: Int) -> Int {
    (bytes + alignment - 1) / alignment * alignment
  }
}
