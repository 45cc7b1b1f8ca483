import BiDenseIR

// Stage 2 of the pipeline (optional): the `--dab-scale=layer` rewrite.
// In: the primitive graph. Out: the same graph with `layerScale` set on each DAB that feeds
// only dense forward binary convolutions.

/// The `--dab-scale=layer` approximation as a graph rewrite: each DAB that feeds a dense
/// forward binary convolution gets one scale for the layer, the mean of its channel scales.
/// The interpreter and the emitted C then compute the same approximation, so `verify` checks
/// the C against it and reports how far both land from the exact model. Depthwise, grouped and
/// transposed convolutions keep their exact scales: depthwise ones factor the scale out
/// anyway, and the others have per-input-channel factors a popcount cannot carry.
package enum LayerScaleApproximation {
  package static func apply(_ graph: Graph) -> Graph {
    var result = graph
    let consumers = graph.consumers()
    for (id, node) in graph.nodes.enumerated() {
      guard case .binarize(var binarizer) = node.op else { continue }
      let dense = consumers[id].allSatisfy { consumer in
        guard case .binaryConv(let conv) = graph[consumer].op else { return false }
        return conv.groups == 1 && !conv.transposed
      }
      guard dense, !consumers[id].isEmpty else { continue }
      binarizer.layerScale = true
      result.replaceOp(id, with: .binarize(binarizer))
    }
    return result
  }
}
