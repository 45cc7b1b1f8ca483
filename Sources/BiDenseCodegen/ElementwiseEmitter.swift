import BiDenseIR
import BiDensePasses

/// C for the ops that combine or copy whole tensors: Add, Concat, a lone elementwise op, and
/// a bypass that could not be fused into its convolution.
enum ElementwiseEmitter {
  static func add(_ shape: TensorShape, _ context: KernelContext) throws -> String {
    let values = context.commonValues(title: "Add \(shape)", output: shape, input: nil)
    return try Template("kernels/add.c").render(values)
  }

  /// One loop per input, each a part of the one function (which declares the sizes they use).
  static func concat(_ k: ConcatKernel, _ context: KernelContext) throws -> String {
    var values = context.commonValues(title: "Concat -> \(k.output)", output: k.output, input: nil)
    let part = try Template.text("kernels/concat_part.c")
    var parts = ""
    var first = 0
    for (index, input) in k.parts.enumerated() {
      values["part\(index)"] = .scoped(
        part,
        [
          "first": .int(first), "last": .int(first + input.channels - 1),
          "channels": .int(input.channels), "input": .text("x\(index)"),
          "source": .text(CText.comment(input.name)),
          "epilogue": context.epilogue(indent: 12, channel: "first + $c"),
        ])
      parts += "{{part\(index)}}"
      first += input.channels
    }
    values["parts"] = .fragment(parts)
    values["parameters"] = .text(
      k.parts.indices.map { "const float *x\($0), " }.joined() + "float *y")
    return try Template("kernels/concat.c").render(values)
  }

  /// A lone elementwise op (its producer could not take it): a copy with the op in front of
  /// the epilogue.
  static func elementwise(_ step: EpilogueStep, _ shape: TensorShape, _ context: KernelContext)
    throws -> String
  {
    let values = context.commonValues(
      title: "\(step.kindName) \(shape)", output: shape, input: nil, leading: [step])
    return try Template("kernels/elementwise.c").render(values)
  }

  /// A bypass on its own: the copies, then the strided means, then the last mean, each a loop
  /// over its output channels with its source channels known.
  static func channelBypass(_ k: ChannelBypassKernel, _ context: KernelContext) throws -> String {
    let plan = k.plan
    var values = context.commonValues(
      title: "ChannelBypass \(k.input) -> \(k.output)", output: k.output, input: k.input)
    let epilogue = context.epilogue(indent: 12, channel: "first + $c")
    var runs: [(template: String, values: [String: TemplateValue])] = []
    // Copies: output channel r·in + c copies input channel c, for each repeat r.
    for r in 0..<(plan.copies / max(plan.inChannels, 1)) {
      runs.append(
        (
          "kernels/channel_bypass_copy.c",
          [
            "first": .int(r * plan.inChannels), "last": .int((r + 1) * plan.inChannels - 1),
            "channels": .int(plan.inChannels),
          ]
        ))
    }
    let means = plan.outChannels - plan.copies
    if means > 0 {
      let last = plan.sources[plan.outChannels - 1]
      if plan.stridedMeans > 0 {
        runs.append(
          (
            "kernels/channel_bypass_mean.c",
            [
              "first": .int(plan.copies), "last": .int(plan.copies + plan.stridedMeans - 1),
              "channels": .int(plan.stridedMeans), "start": 0,
              "count": .int(plan.stridedCount), "step": .int(plan.stridedMeans),
              "countFloat": .text(CText.float(Float(plan.stridedCount))),
            ]
          ))
      }
      runs.append(
        (
          "kernels/channel_bypass_mean.c",
          [
            "first": .int(plan.outChannels - 1), "last": .int(plan.outChannels - 1),
            "channels": 1, "start": .int(last.start), "count": .int(last.count), "step": 1,
            "countFloat": .text(CText.float(Float(last.count))),
          ]
        ))
    }
    var sources = ""
    for (index, run) in runs.enumerated() {
      var scoped = run.values
      scoped["epilogue"] = epilogue
      values["run\(index)"] = .scoped(try Template.text(run.template), scoped)
      sources += "{{run\(index)}}"
    }
    values["sources"] = .fragment(sources)
    values["rule"] = .text(
      "\(plural(plan.copies / max(plan.inChannels, 1), "copy", "copies")) of the input, then "
        + "\(plural(means, "mean"))")
    return try Template("kernels/channel_bypass.c").render(values)
  }
}
