import BiDenseIR
import BiDensePasses

/// C for the token kernels besides the binary ones: LayerNorm, the moves between images and
/// tokens, rows put first or taken, the constant added, the token appended to every row and
/// the 1-D channel bypass.
enum TokenEmitter {
  static func layerNorm(_ k: LayerNormKernel, _ context: KernelContext) throws -> String {
    let shape = TensorShape(tokens: k.tokens, channels: k.channels)
    let steps = context.kernel.epilogue
    let ternary = k.output.ternary
    var values = context.commonValues(
      title: "LayerNorm \(shape)" + (ternary == nil ? "" : ", stores signs"), output: shape,
      input: shape)
    let wordBits = ternary?.wordBits ?? 64
    let parameters =
      ["const float *x"] + Ternary.residualParameters(steps)
      + [Ternary.parameter(k.output, "y", const: false, wordBits: wordBits)]
    values.merge([
      "parameters": .text(parameters.joined(separator: ", ")),
      "tokens": .named("TOKENS", k.tokens), "channels": .named("CHANNELS", k.channels),
      "channelsFloat": .text(CText.float(Float(k.channels))),
      "epsilonText": .text(CText.float(k.epsilon)), "weight": context.symbol(.multiplier),
      "bias": context.symbol(.offset), "ternaryOut": .bool(ternary != nil),
      "hasEpilogue": .bool(!steps.isEmpty), "unit": .text(Ternary.unit(wordBits)),
      "epilogue": context.epilogue(
        indent: 12, channel: "$o", residualIndex: "$t * channels + $o"),
    ]) { $1 }
    if let layout = ternary { values.merge(try Ternary.outputValues(layout)) { $1 } }
    let squares = try Template("kernels/layer_norm_squares.c").render([
      "fn": .text(context.function), "channels": .int(k.channels),
      "lanes": .int(k.compensatedLanes), "prefix": .text(context.prefix),
    ])
    return squares + "\n" + (try Template("kernels/layer_norm.c").render(values))
  }

  static func imageToTokens(_ k: ReshapeKernel, _ context: KernelContext) throws -> String {
    let values = context.commonValues(
      title: "image \(k.input) to tokens \(k.output)", output: k.output, input: k.input)
    return try Template("kernels/image_to_tokens.c").render(values)
  }

  static func tokensToImage(_ k: ReshapeKernel, _ context: KernelContext) throws -> String {
    let values = context.commonValues(
      title: "tokens \(k.input) to image \(k.output)", output: k.output, input: k.input)
    return try Template("kernels/tokens_to_image.c").render(values)
  }

  /// A slice (rows from `offset` on) or a prepend (the constant token, then every row).
  static func rows(_ k: TokenRowsKernel, prepend: Bool, _ context: KernelContext) throws -> String {
    var values = context.commonValues(
      title: prepend
        ? "the token first, then the rows of \(k.input) -> \(k.output)"
        : "tokens \(k.offset) to \(k.offset + k.output.tokens - 1) of \(k.input)",
      output: k.output, input: k.input)
    values.merge([
      "prepend": .bool(prepend), "inputRows": .int(prepend ? k.input.tokens : k.output.tokens),
      "inputOffset": .int(prepend ? 0 : k.offset), "outputOffset": .int(prepend ? k.offset : 0),
    ]) { $1 }
    if prepend { values["constant"] = context.symbol(.constant) }
    return try Template("kernels/token_rows.c").render(values)
  }

  static func addConstant(_ shape: TensorShape, _ context: KernelContext) throws -> String {
    var values = context.commonValues(
      title: "plus a constant \(shape)", output: shape, input: shape)
    values["constant"] = context.symbol(.constant)
    return try Template("kernels/add_constant.c").render(values)
  }

  static func appendToken(_ shape: TensorShape, _ context: KernelContext) throws -> String {
    let input = TensorShape(tokens: shape.tokens, channels: shape.channels / 2)
    var values = context.commonValues(
      title: "every row of \(input) followed by one token -> \(shape)", output: shape,
      input: input)
    values["epilogueToken"] = context.epilogue(indent: 12, channel: "inChannels + $o")
    return try Template("kernels/append_token.c").render(values)
  }

  /// The 1-D bypass: copies, then means of contiguous runs, each a run of the template.
  static func channelBypass1D(_ k: ChannelBypassKernel, _ context: KernelContext) throws
    -> String
  {
    let plan = k.plan
    var values = context.commonValues(
      title: "ChannelBypass1D \(k.input) -> \(k.output)", output: k.output, input: k.input)
    var runs = ""
    for r in 0..<(plan.copies / max(plan.inChannels, 1)) {
      values["run\(r)"] = .scoped(
        try Template.text("kernels/channel_bypass_1d_copy.c").indented(by: 8),
        [
          "first": .int(r * plan.inChannels),
          "epilogue": context.epilogue(indent: 12, channel: "\(r * plan.inChannels) + $c"),
        ])
      runs += "{{run\(r)}}"
    }
    let means = plan.outChannels - plan.copies
    var groups: [(first: Int, count: Int, groups: Int, start: Int)] = []
    if plan.stridedMeans > 0 {
      groups.append((plan.copies, plan.stridedCount, plan.stridedMeans, 0))
    }
    if means > 0 {
      let last = plan.sources[plan.outChannels - 1]
      groups.append((plan.outChannels - 1, last.count, 1, last.start))
    }
    for (index, group) in groups.enumerated() {
      values["mean\(index)"] = .scoped(
        try Template.text("kernels/channel_bypass_1d_mean.c").indented(by: 8),
        [
          "first": .int(group.first), "count": .int(group.count), "groups": .int(group.groups),
          "start": .int(group.start), "countFloat": .text(CText.float(Float(group.count))),
          "epilogue": context.epilogue(indent: 16, channel: "\(group.first) + $g"),
        ])
      runs += "{{mean\(index)}}"
    }
    values["runs"] = .fragment(runs)
    values["rule"] = .text(
      "\(plural(plan.copies / max(plan.inChannels, 1), "copy", "copies")), then "
        + "\(plural(means, "mean")) of contiguous channels")
    return try Template("kernels/channel_bypass_1d.c").render(values)
  }
}
