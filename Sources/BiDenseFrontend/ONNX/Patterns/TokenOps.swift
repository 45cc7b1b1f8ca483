import BiDenseIR

/// The float ops of the ViT and the DPT readout on tokens [1, T, C], as dynamo exports them:
///
///     LayerNormalization(x, weight, bias) {axis=-1}       one op since opset 17
///     Mul(h, Mul(0.5, Add(Erf(Div(h, √2)), 1)))           GELU with the exact erf
///     Concat(class_token [1, 1, C], tokens) {axis=1}     the class token put first
///     Reshape(PRelu(Transpose(tokens, [0, 2, 1]), slope [1, C, 1]), [1, C, h, w])
///                                                         the readout's PReLU, then the map
///
/// LayerScale, the position embedding, LearnableBias and the residuals are Mul and Add
/// (StandardOps.swift); token rearrangements are found by TokenMoves.swift.
extension ONNXImporter {
  func lowerLayerNorm(_ i: Int) throws -> Bool {
    let node = nodes[i]
    let x = try tensor(of: node.inputs[0], for: i)
    let shape = builder.shape(x)
    guard shape.isTokens else {
      throw failure(
        i, "normalizes a tensor of shape \(shape); only tokens [1, T, C] are supported")
    }
    let axis = try node.int("axis", default: -1)
    guard axis == -1 || axis == 2 else {
      throw failure(
        i, "normalizes from axis \(axis); only over the channels (axis -1) is supported")
    }
    guard node.outputs.dropFirst().allSatisfy({ $0.isEmpty || index.liveConsumers($0).isEmpty })
    else {
      throw failure(i, "its mean or inverse deviation output is used, which is not supported")
    }
    let weight = try tokenVector(
      try requireConstant(node.inputs[1], "the scale"), shape: shape, "the scale")
    let bias =
      node.inputs.count > 2 && !node.inputs[2].isEmpty
      ? try tokenVector(try requireConstant(node.inputs[2], "the bias"), shape: shape, "the bias")
      : [Float](repeating: 0, count: shape.channels)
    let path = layerNormPath(i) ?? nodeName(i)
    let id = try builder.layerNorm(
      path, x, LayerNorm(weight: weight, bias: bias, epsilon: try node.float("epsilon") ?? 1e-5))
    tokenLayerPath[id] = path
    setTensor(i, id)
    return true
  }

  /// `P` when LayerNormalization `i` reads its scale from the initializer `P.weight`.
  func layerNormPath(_ i: Int) -> String? {
    let weight = nodes[i].inputs[1]
    guard index.initializers[weight] != nil, weight.hasSuffix(".weight") else { return nil }
    return String(weight.dropLast(".weight".count))
  }

  // MARK: GELU

  /// The exact GELU whose last node is the pending Mul `p`, lowered; nil when `p` multiplies
  /// nothing computed by an Erf.
  func lowerGELU(_ p: Int, name: String?) throws -> ValueID? {
    let top = nodes[p]
    guard top.opType == "Mul", top.inputs.count == 2 else { return nil }
    func producer(_ v: String, _ op: String) -> Int? {
      pendingProducer(v).flatMap { nodes[$0].opType == op ? $0 : nil }
    }
    // Mul(h, Mul(0.5, Add(Erf(·), 1))), operands in either order.
    for (h, gate) in [(top.inputs[0], top.inputs[1]), (top.inputs[1], top.inputs[0])] {
      guard let half = producer(gate, "Mul"),
        let plusOne = nodes[half].inputs.lazy.compactMap({ producer($0, "Add") }).first,
        let erf = nodes[plusOne].inputs.lazy.compactMap({ producer($0, "Erf") }).first
      else { continue }
      let pattern = "the GELU ending at '\(printable(ONNXGraphIndex.displayName(top)))'"
      try requireScalar(half, 0.5, in: pattern, role: "the factor 1/2")
      try requireScalar(plusOne, 1, in: pattern, role: "1 + erf")
      let div = try expect(nodes[erf].inputs[0], "Div", in: pattern, role: "h / √2")
      guard equivalent(nodes[div].inputs[0], h) else {
        throw failure(
          div, in: pattern, "divides '\(printable(nodes[div].inputs[0]))', not the GELU's input")
      }
      try requireScalar(div, Float(2.0.squareRoot()), in: pattern, role: "√2")
      let x = try tensor(of: h, for: p)
      let path = tokenLayerPath[x].map { ModuleNames.split($0).parent }
      let id = try builder.unary(
        name ?? path.map { ModuleNames.node($0, "act") } ?? nodeName(p), x, .gelu)
      if let path { tokenLayerPath[id] = path }
      done.formUnion([p, half, plusOne, erf, div])
      return id
    }
    return nil
  }

  /// Binary node `p` has a constant operand of the one value `expected` (its second operand
  /// for a Div).
  func requireScalar(_ p: Int, _ expected: Float, in pattern: String, role: String) throws {
    let operands = nodes[p].opType == "Div" ? [nodes[p].inputs[1]] : nodes[p].inputs
    for operand in operands {
      guard let c = try constant(operand) else { continue }
      let values = try c.floats(role)
      guard values.count == 1, values[0] == expected else {
        throw failure(
          p, in: pattern,
          "expected \(role) with the constant \(expected), found \(c.summary)")
      }
      return
    }
    throw failure(p, in: pattern, "expected \(role) with the constant \(expected)")
  }

  // MARK: Class token, readout PReLU

  /// Concat(class token, tokens) along the tokens: the class token put first; nil when node
  /// `i` is not of that form.
  func prependedToken(_ i: Int) throws -> ValueID? {
    let node = nodes[i]
    guard node.inputs.count == 2, isConstant(node.inputs[0]), !isConstant(node.inputs[1]),
      let token = try constant(node.inputs[0]), token.rank == 3, token.shape[0] == 1,
      token.shape[1] == 1
    else { return nil }
    let axis = try node.int("axis", default: nil)
    guard axis == 1 || axis == -2 else {
      throw failure(i, "puts a constant token beside tokens along axis \(axis), not axis 1")
    }
    let x = try tensor(of: node.inputs[1], for: i)
    guard builder.shape(x).isTokens else {
      throw failure(i, "puts a constant token before a tensor \(builder.shape(x)), not tokens")
    }
    constantCache[node.inputs[0]] = nil
    return try builder.prependToken(nodeName(i), x, try token.floats("the class token"))
  }

  /// PRelu `i` of tokens transposed to [1, C, T] with a slope per channel, then reshaped to
  /// the image [1, C, h, w]: the readout's PReLU on the tokens, then the tokens as an image.
  /// False when the PRelu's input is not a transpose of tokens.
  func lowerTransposedTokenPReLU(_ i: Int) throws -> Bool {
    let node = nodes[i]
    guard let transpose = pendingProducer(node.inputs[0]), nodes[transpose].opType == "Transpose",
      try nodes[transpose].ints("perm") == [0, 2, 1]
    else { return false }
    let pattern = "the PReLU of transposed tokens '\(printable(ONNXGraphIndex.displayName(node)))'"
    let x = try tensor(of: nodes[transpose].inputs[0], for: transpose)
    let shape = builder.shape(x)
    guard shape.isTokens else {
      throw failure(transpose, in: pattern, "transposes \(shape), not tokens")
    }
    // The slope broadcasts onto [1, C, T]: as an image [1, C, T, 1], it gains a last axis.
    let given = try requireConstant(node.inputs[1], "the slope")
    guard given.rank <= 3 else {
      throw failure(i, in: pattern, "has a slope of shape \(given.shape) for [1, C, T]")
    }
    let slope = try perChannel(
      TensorValue(shape: given.shape + [1], floats: try given.floats("the slope")),
      shape: TensorShape(channels: shape.channels, height: shape.tokens, width: 1), "the slope",
      allowShared: true)
    let readers = index.liveConsumers(node.outputs[0])
    guard readers.count == 1, !index.isGraphOutput(node.outputs[0]),
      nodes[readers[0]].opType == "Reshape",
      let target = try constant(nodes[readers[0]].inputs[1]),
      let dims = try? target.indices("the shape"), dims.count == 4, dims[0] == 1,
      dims[1] == shape.channels, Checked.multiply(dims[2], dims[3]) == shape.tokens,
      dims[2] > 0
    else {
      throw failure(
        i, in: pattern,
        "is not reshaped to an image [1, \(shape.channels), h, w] of the \(shape.tokens) "
          + "tokens, the only use of transposed tokens supported")
    }
    let activated = try builder.prelu(nodeName(i), x, slope)
    let image = try builder.tokensToImage(
      nodeName(readers[0]), activated, height: dims[2], width: dims[3])
    tensors[nodes[readers[0]].outputs[0]] = image
    done.formUnion([transpose, readers[0]])
    return true
  }
}
