import BiDenseIR

// Stage 4 of the pipeline: statistics fusion.
// In:  a Schedule.
// Out: the same Schedule, with the first pass of each DAB that reads a fused BiDense
//      convolution's output moved into that convolution: the producer sums each output channel
//      as it stores it (after the tensor), and the DAB starts from those sums. One read of the
//      activation is saved per BiDense layer. Graph outputs keep their exact size, so a DAB
//      reading one computes its own means.
public enum StatisticsFusion {
  public static func shareChannelMeans(_ schedule: Schedule) -> Schedule {
    var result = schedule
    let outputs = Set(schedule.graph.outputs)
    let producers = schedule.producers()
    for (index, node) in schedule.nodes.enumerated() {
      guard case .binaryConv = node.body, let input = node.inputs.first,
        !outputs.contains(input), let producer = producers[input],
        case .binaryConv = schedule.nodes[producer].body
      else { continue }
      result.nodes[producer].producesChannelSums = true
      result.nodes[index].readsChannelSums = true
    }
    return result
  }
}
