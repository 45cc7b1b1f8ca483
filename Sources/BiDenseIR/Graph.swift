/// Index of a node in its graph; each node produces exactly one value, named by this index.
public typealias ValueID = Int

public struct Node: Sendable {
  /// The PyTorch module path that produced this node, plus a suffix for its role
  /// (`stages.0.0.dwconv/binarizer`); unique in the graph.
  public var name: String
  public var op: Op
  public var inputs: [ValueID]
  public var shape: TensorShape
}

/// A network of primitive ops in topological order (every input precedes its consumers).
public struct Graph: Sendable {
  public var name: String
  public private(set) var nodes: [Node] = []
  public var inputs: [ValueID] = []
  public var outputs: [ValueID] = []

  public init(name: String) {
    self.name = name
  }

  public subscript(id: ValueID) -> Node { nodes[id] }

  /// For each value, the nodes that read it.
  public func consumers() -> [[ValueID]] {
    var result = [[ValueID]](repeating: [], count: nodes.count)
    for (id, node) in nodes.enumerated() {
      for input in node.inputs where !result[input].contains(id) { result[input].append(id) }
    }
    return result
  }

  /// Replaces the op of node `id` by one of the same kind and shape (a rewrite's tweak).
  package mutating func replaceOp(_ id: ValueID, with op: Op) {
    nodes[id].op = op
  }

  /// Appends a node whose shape the caller has already checked.
  mutating func append(_ name: String, _ op: Op, _ inputs: [ValueID], _ shape: TensorShape)
    -> ValueID
  {
    nodes.append(Node(name: name, op: op, inputs: inputs, shape: shape))
    return nodes.count - 1
  }

  public var parameterCount: Int { nodes.reduce(0) { $0 + $1.op.parameterCount } }
}
