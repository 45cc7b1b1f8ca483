import BiDenseIR

/// Moves the first pass of each DAB, the channel means of its input, into the epilogue of the
/// fused convolution that produces that input: the producer sums each output channel as it
/// stores it, and the DAB starts from those sums. One read of the activation is saved per
/// BiDense layer.
public enum StatisticsFusion {
  public static func shareChannelMeans(_ schedule: Schedule) -> Schedule {
    var result = schedule
    let outputs = Set(schedule.graph.outputs)
    let producers = schedule.producers()
    for (index, kernel) in schedule.kernels.enumerated() {
      guard case .binaryConv = kernel.body, let input = kernel.inputs.first,
        !outputs.contains(input), let producer = producers[input],
        case .binaryConv = schedule.kernels[producer].body
      else { continue }
      result.kernels[producer].producesChannelSums = true
      result.kernels[index].readsChannelSums = true
    }
    return result
  }
}
