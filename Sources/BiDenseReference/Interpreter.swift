import BiDenseIR

/// The reference interpreter: evaluates the primitive graph with plain loops that follow
/// docs/SEMANTICS.md. It is the truth that the generated C is checked against.
public enum Interpreter {
  /// Runs the whole graph; returns every node's value, indexed by `ValueID`.
  public static func run(_ graph: Graph, inputs: [Tensor]) throws -> [Tensor?] {
    guard inputs.count == graph.inputs.count else {
      throw BiDenseError("the model takes \(graph.inputs.count) inputs, got \(inputs.count)")
    }
    var values = [Tensor?](repeating: nil, count: graph.nodes.count)
    for (index, id) in graph.inputs.enumerated() {
      guard inputs[index].shape == graph[id].shape else {
        throw BiDenseError(
          node: graph[id].name,
          "input has shape \(inputs[index].shape), expected \(graph[id].shape)")
      }
      values[id] = inputs[index]
    }
    for id in graph.nodes.indices where values[id] == nil {
      values[id] = evaluate(graph[id], inputs: graph[id].inputs.map { values[$0]! })
    }
    return values
  }

  /// Evaluates the nodes `ids` (in order), reading any other value from `given`.
  public static func run(
    _ graph: Graph, nodes ids: [ValueID], given: [ValueID: Tensor]
  ) -> [ValueID: Tensor] {
    var values = given
    for id in ids {
      values[id] = evaluate(graph[id], inputs: graph[id].inputs.map { values[$0]! })
    }
    return values
  }

  /// One node's value from its inputs' values.
  public static func evaluate(_ node: Node, inputs: [Tensor]) -> Tensor {
    switch node.op {
    case .input:
      return inputs[0]
    case .binarize(let params):
      return binarize(inputs[0], params)
    case .binaryConv(let conv):
      return convolve(inputs[0], binarizedWeights(conv), node.shape)
    case .conv(let conv):
      return convolve(inputs[0], conv, node.shape)
    case .channelBypass:
      return channelBypass(inputs[0], outChannels: node.shape.channels)
    case .add:
      return add(inputs[0], inputs[1])
    case .concat:
      return concat(inputs)
    case .avgPool(let window):
      return avgPool(inputs[0], window, node.shape)
    case .adaptiveAvgPool:
      return adaptiveAvgPool(inputs[0], node.shape)
    case .resizeBilinear:
      return resizeBilinear(inputs[0], node.shape)
    case .upsampleNearest(let scale):
      return upsampleNearest(inputs[0], scale: scale)
    case .elementwise(let op):
      return elementwise(inputs[0], op)
    case .binaryLinear(let linear):
      return binaryLinear(inputs[0], linear)
    case .layerNorm(let norm):
      return layerNorm(inputs[0], norm)
    case .attention(let heads):
      return attention(inputs[0], heads: heads)
    case .imageToTokens:
      return imageToTokens(inputs[0])
    case .tokensToImage:
      return tokensToImage(inputs[0], node.shape)
    case .prependToken(let token):
      return prependToken(inputs[0], token)
    case .addConstant(let values):
      return addConstant(inputs[0], values)
    case .sliceTokens(let start):
      return sliceTokens(inputs[0], start: start, node.shape)
    case .appendTokenToRows:
      return appendTokenToRows(inputs[0], inputs[1])
    case .channelBypass1D:
      return channelBypass1D(inputs[0], outChannels: node.shape.channels)
    case .resizeAntialiased:
      return resizeAntialiased(inputs[0], node.shape)
    }
  }
}
