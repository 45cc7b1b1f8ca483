import BiDenseIR

/// The token moves of the ViT and the DPT, found the way BypassPattern.swift finds a bypass:
/// the pending linear subgraph between one lowered tensor and the value read is evaluated on
/// a random probe of that tensor, and the result compared with each candidate op on the same
/// probe. The moves copy elements, so a copy must agree exactly; the 1-D channel bypass takes
/// means, within the probe tolerance. The exporter's spellings this covers:
///
/// - PatchEmbed's `flatten(2).transpose(1, 2)`: Reshape [1, C, H·W] → Transpose [0, 2, 1];
/// - get_intermediate_layers' tokens: Slice (the patch tokens), Gather of index 0 on axis 1
///   (the class token [1, C]);
/// - DPT's map of the patch tokens: Slice → Transpose [0, 2, 1] → Reshape [1, C, h, w];
/// - the readout's `cat(patch, cls.expand)`: Unsqueeze → Expand → Concat on the last axis;
/// - the readout's `channel_adaptive_bypass_1d`: Slice → Reshape → ReduceMean → Concat.
extension ONNXImporter {
  /// The op (or ops) computing `result` from tensor `source` when the probe `x` of it gives
  /// `result`; an error naming the candidates when none does.
  func tokenMove(
    from source: ValueID, probe x: [Float], result: TensorValue, at p: Int, in pattern: String,
    name: String
  ) throws -> ValueID {
    let shape = builder.shape(source)
    guard case .float(let y) = result.elements, result.shape.first == 1 else {
      throw failure(
        p, in: pattern, "gives a \(result.typeName) tensor of shape \(result.shape), not batch 1")
    }
    let dims = result.shape
    guard shape.isTokens else {
      // An image's pixels as tokens.
      let pixels = shape.pixels
      if dims == [1, pixels, shape.channels],
        y.indices.allSatisfy({ y[$0] == x[($0 % shape.channels) * pixels + $0 / shape.channels] })
      {
        return try builder.imageToTokens(name, source)
      }
      throw failure(
        p, in: pattern,
        "rearranges the image \(shape) to \(dims), which is not its pixels as tokens "
          + "[1, \(pixels), \(shape.channels)]")
    }
    let (tokens, channels) = (shape.tokens, shape.channels)
    func row(_ t: Int) -> ArraySlice<Float> { x[(t * channels)..<((t + 1) * channels)] }
    /// The first token of the probe equal to `values`.
    func token(equalTo values: ArraySlice<Float>) -> Int? {
      (0..<tokens).first { row($0).elementsEqual(values) }
    }
    /// Tokens start ..< start + count of the source, as a node of their own unless all.
    func slice(_ start: Int, _ count: Int, _ role: String) throws -> ValueID {
      try builder.sliceTokens(ModuleNames.node(name, role), source, start: start, count: count)
    }

    // Some of the tokens, or one token as [1, C].
    if (dims.count == 3 && dims[2] == channels) || (dims.count == 2 && dims[1] == channels) {
      let count = dims.count == 3 ? dims[1] : 1
      if let start = token(equalTo: y[0..<channels]), start + count <= tokens,
        y.elementsEqual(x[(start * channels)..<((start + count) * channels)])
      {
        return try builder.sliceTokens(name, source, start: start, count: count)
      }
    }
    // Each of some tokens followed by one token: [1, n, 2C].
    if dims.count == 3, dims[2] == 2 * channels, dims[1] <= tokens,
      let start = token(equalTo: y[0..<channels]),
      let other = token(equalTo: y[channels..<(2 * channels)]), start + dims[1] <= tokens,
      (0..<dims[1]).allSatisfy({ r in
        y[(2 * r * channels)..<((2 * r + 2) * channels)].elementsEqual(row(start + r) + row(other))
      })
    {
      return try builder.appendTokenToRows(
        name, try slice(start, dims[1], "rows"), try slice(other, 1, "token"))
    }
    var mismatch = ""
    // The 1-D channel bypass: the same tokens, other channels.
    if dims.count == 3, dims[1] == tokens, dims[2] != channels {
      let plan = try ChannelBypassPlan(
        inChannels: channels, outChannels: dims[2], contiguous: true, node: name)
      if let difference = Self.difference(y, Self.bypass(x, shape, plan)) {
        mismatch =
          ": the 1-D channel bypass from \(channels) to \(dims[2]) channels gives \(difference)"
      } else {
        return try builder.channelBypass1D(name, source, outChannels: dims[2])
      }
    }
    // Some of the tokens as an image [1, C, h, w]: pixel (r, c) from token start + r·w + c.
    if dims.count == 4, dims[1] == channels, dims[2] > 0, dims[3] > 0,
      let pixels = Checked.multiply(dims[2], dims[3]), pixels <= tokens
    {
      if let start = (0...(tokens - pixels)).first(where: { x[$0 * channels] == y[0] }),
        y.indices.allSatisfy({ y[$0] == x[(start + $0 % pixels) * channels + $0 / pixels] })
      {
        let rows = try slice(start, pixels, "tokens")
        return try builder.tokensToImage(name, rows, height: dims[2], width: dims[3])
      }
    }
    throw failure(
      p, in: pattern,
      "rearranges the tokens \(shape) to \(dims), which is none of the token moves bidensec "
        + "lowers (taking tokens, one token beside each row, the 1-D channel bypass, tokens "
        + "as an image)\(mismatch)")
  }
}
