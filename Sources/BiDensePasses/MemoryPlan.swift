import BiDenseIR

/// Where every intermediate value and every kernel's scratch lives in the one workspace.
///
/// Liveness over the schedule: a value lives from the kernel that writes it to the last
/// kernel that reads it; scratch lives during its kernel only. Buffers are placed largest
/// first at the lowest offset that overlaps no buffer live at the same time.
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

  public func offset(of owner: Buffer.Owner) -> Int? {
    buffers.first { $0.owner == owner }?.offset
  }

  /// Plans `schedule`, given each kernel's scratch bytes. Graph inputs and outputs live in
  /// the caller's buffers, not in the workspace.
  public init(_ schedule: Schedule, scratchBytes: [Int]) {
    let graph = schedule.graph
    let outputs = Set(graph.outputs)
    var lastUse: [ValueID: Int] = [:]
    for (index, kernel) in schedule.kernels.enumerated() {
      for input in kernel.inputs { lastUse[input] = index }
    }
    var buffers: [Buffer] = []
    for (index, kernel) in schedule.kernels.enumerated() {
      if !outputs.contains(kernel.output) {
        let shape = graph[kernel.output].shape
        let sums = kernel.producesChannelSums ? shape.channels : 0
        let bytes = Self.aligned(4 * (shape.count + sums))
        buffers.append(
          Buffer(
            owner: .value(kernel.output), bytes: bytes, firstUse: index,
            lastUse: lastUse[kernel.output] ?? index))
      }
      if scratchBytes[index] > 0 {
        buffers.append(
          Buffer(
            owner: .scratch(kernel: index), bytes: Self.aligned(scratchBytes[index]),
            firstUse: index, lastUse: index))
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
    for index in schedule.kernels.indices {
      let live = buffers.filter { $0.firstUse <= index && index <= $0.lastUse }
      peak = max(peak, live.reduce(0) { $0 + $1.bytes })
    }
    self.buffers = buffers
    workspaceBytes = end
    lowerBound = peak
  }

  static func aligned(_ bytes: Int) -> Int {
    (bytes + alignment - 1) / alignment * alignment
  }
}
