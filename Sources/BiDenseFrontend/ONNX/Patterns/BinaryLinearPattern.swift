import BiDenseIR

/// The binary linear layers of the ViT (`BinaryLinear_STE`, `BinaryLinear_adapscaling`) and of
/// the DPT readout (BiDense's `BinaryLinear`), as the dynamo exporter writes them
/// (PATTERNS.md, sections 8.1 and 8.6):
///
///     s = Sign(x)                                          the ViT: the ternary sign
///       | Sign(t) − P(t) + P(t),  t = Add(x, move)         the readout: ApproxSign's STE
///     y = Add(MatMul(s, W), bias)                          W [in, out], bias [1, T, out]
///
/// W is a constant: folded by the exporter, or computed in the graph from the raw weight
/// (Abs, ReduceMean, Sub, Sign, Mul, Transpose), which constant folding turns into the same
/// values. Either way it must be `scale_o · sign(W − row mean)_oi` down each output column,
/// with ternary signs: the signs and the scale are recovered from it, and a weight not of
/// that form is rejected. Bias and move must be the same for every token.
extension ONNXImporter {
  /// Lowers MatMul `i` when its second operand is a constant; a MatMul of two computed values
  /// stays pending (it belongs to the attention, AttentionPattern.swift).
  func lowerBinaryLinear(_ i: Int) throws -> Bool {
    let node = nodes[i]
    guard isConstant(node.inputs[1]), !isConstant(node.inputs[0]) else { return false }
    let pattern = "the binary linear layer '\(printable(ONNXGraphIndex.displayName(node)))'"
    var (x, claimed) = try signedValue(node.inputs[0], at: i, in: pattern)
    // The readout adds its `move` before the sign.
    var move: [Float]?
    if let add = pendingProducer(x), nodes[add].opType == "Add",
      let c = nodes[add].inputs.first(where: { isConstant($0) }),
      let other = nodes[add].inputs.first(where: { !isConstant($0) })
    {
      let input = try tensor(of: other, for: add)
      move = try tokenVector(
        try requireConstant(c, "the move"), of: input, "the move before the sign")
      claimed.append(add)
      x = other
    }
    let input = try tensor(of: x, for: i)
    let shape = builder.shape(input)
    guard shape.isTokens else {
      throw failure(
        i, in: pattern, "multiplies a tensor of shape \(shape), not tokens [1, T, C]")
    }
    let weightValue = try requireConstant(node.inputs[1], "the weight")
    guard weightValue.rank == 2, weightValue.shape[0] == shape.channels else {
      throw failure(
        i, in: pattern,
        "has a weight of shape \(weightValue.shape) for tokens of \(shape.channels) channels; "
          + "expected [\(shape.channels), out]")
    }
    let outFeatures = weightValue.shape[1]
    let form = try Self.binaryLinearForm(
      try weightValue.floats("the weight"), inFeatures: shape.channels, outFeatures: outFeatures,
      in: pattern)
    guard let weight = BinaryLinear.weight(fromSigns: form.signs, outFeatures: outFeatures) else {
      throw failure(
        i, in: pattern,
        "has an output column whose signs are all of one kind (beside zeros), which "
          + "sign(W − row mean) never gives: the weight is not a binary linear layer's")
    }
    constantCache[node.inputs[1]] = nil

    // The bias: an Add of a constant that alone reads the product.
    var output = node.outputs[0]
    var bias = [Float](repeating: 0, count: outFeatures)
    let readers = index.liveConsumers(output)
    if readers.count == 1, !index.isGraphOutput(output), nodes[readers[0]].opType == "Add",
      let c = nodes[readers[0]].inputs.first(where: { isConstant($0) }),
      nodes[readers[0]].inputs.contains(output)
    {
      let outputShape = TensorShape(tokens: shape.tokens, channels: outFeatures)
      bias = try tokenVector(
        try requireConstant(c, "the bias"), shape: outputShape, "the bias")
      constantCache[c] = nil
      claimed.append(readers[0])
      output = nodes[readers[0]].outputs[0]
    }
    let name = binaryLinearPath(i, reading: input, output: output)
    let id = try builder.binaryLinear(
      name, input,
      BinaryLinear(
        inFeatures: shape.channels, outFeatures: outFeatures, weight: weight, scale: form.scale,
        bias: bias, move: move))
    tokenLayerPath[id] = name
    tensors[output] = id
    done.formUnion(claimed)
    done.insert(i)
    return true
  }

  /// The value whose ternary sign `value` is, and the nodes of the sign: `Sign(t)`, or the
  /// straight-through `Sign(t) − P(t) + P(t)` with P the ApproxSign polynomial.
  func signedValue(_ value: String, at i: Int, in pattern: String) throws -> (String, [Int]) {
    guard let p = pendingProducer(value) else {
      throw failure(
        i, in: pattern,
        "multiplies '\(printable(value))', which is not the sign of a tensor, by a constant: "
          + "float linear layers are not supported")
    }
    if nodes[p].opType == "Sign" { return (nodes[p].inputs[0], [p]) }
    if nodes[p].opType == "Add" {
      for operand in nodes[p].inputs {
        guard let sub = pendingProducer(operand), nodes[sub].opType == "Sub",
          let sign = pendingProducer(nodes[sub].inputs[0]), nodes[sign].opType == "Sign"
        else { continue }
        let t = nodes[sign].inputs[0]
        return (t, try matchSign(value, of: t, in: pattern))
      }
    }
    throw failure(
      p, in: pattern,
      "expected Sign or the straight-through Sign(t) − P(t) + P(t) as the layer's input")
  }

  /// The signs [out, in] and the scale per output of a binary linear weight W [in, out]:
  /// every nonzero element of an output column has the column's magnitude (within the
  /// rounding of the exporter's `(a·sign − clip) + clip`, binaryWeightTolerance).
  static func binaryLinearForm(
    _ w: [Float], inFeatures: Int, outFeatures: Int, in pattern: String
  ) throws -> (signs: [Int8], scale: [Float]) {
    var signs = [Int8](repeating: 0, count: w.count)
    var scale = [Float](repeating: 0, count: outFeatures)
    for o in 0..<outFeatures {
      let column = (0..<inFeatures).map { w[$0 * outFeatures + o] }
      let magnitudes = column.filter { $0 != 0 }.map { Double(abs($0)) }.sorted()
      guard !magnitudes.isEmpty else { continue }
      let typical = magnitudes[magnitudes.count / 2]
      for (k, v) in column.enumerated() {
        guard v == 0 || abs(Double(abs(v)) - typical) <= binaryWeightTolerance * typical else {
          throw BiDenseError(
            "\(pattern): weight element [\(k), \(o)] is \(v), but output \(o) has magnitude "
              + "\(Float(typical)): the weight is not binary (±a or 0 per output), so the "
              + "layer is not a binary linear one")
        }
        signs[o * inFeatures + k] = Ternary.sign(v)
      }
      scale[o] = Float(typical)
    }
    return (signs, scale)
  }

  /// The module path of binary linear MatMul `i`: the raw weight's name when the graph
  /// computes the weight from it (`mlp.fc1.weight`); otherwise from its place in the ViT block
  /// or the readout, which a dynamo export without scopes only shows by its neighbours.
  func binaryLinearPath(_ i: Int, reading input: ValueID, output: String) -> String {
    if let raw = rawLinearWeightName(nodes[i].inputs[1]) { return raw }
    let inputPath = tokenLayerPath[input].map(ModuleNames.split)
    // qkv: its output is split into heads, [1, T, 3, heads, head width].
    let splitIntoHeads = index.liveConsumers(output).contains {
      nodes[$0].opType == "Reshape" && (try? constant(nodes[$0].inputs[1]))??.count == 5
    }
    if splitIntoHeads {
      let attention = inputPath.flatMap { $0.leaf == "norm1" ? $0.parent : nil }
      return ModuleNames.child(attention.map { ModuleNames.child($0, "attn") } ?? "", "qkv")
    }
    if let path = tokenLayerPath[input], let (parent, leaf) = inputPath {
      switch (builder.graph[input].op, leaf) {
      case (.layerNorm, "norm2"): return ModuleNames.child(ModuleNames.child(parent, "mlp"), "fc1")
      case (.attention, _): return ModuleNames.child(path, "proj")
      case (.elementwise(.gelu), _): return ModuleNames.child(path, "fc2")
      default: break
      }
    }
    // The readout's LayerNorm (`P.norm`) follows its linear layer P.
    for reader in index.liveConsumers(output) where nodes[reader].opType == "LayerNormalization" {
      if let path = layerNormPath(reader), ModuleNames.split(path).leaf == "norm" {
        return ModuleNames.split(path).parent
      }
    }
    return "linear"
  }

  /// `P` when `value` is computed from one raw weight initializer `P.weight` of rank 2.
  func rawLinearWeightName(_ value: String) -> String? {
    var names = Set<String>()
    var seen = Set<String>()
    var stack = [value]
    while let v = stack.popLast(), seen.count < 64 {
      guard seen.insert(v).inserted else { continue }
      if let tensor = index.initializers[v] {
        if tensor.dims.count == 2, v.hasSuffix(".weight") { names.insert(v) }
        continue
      }
      if let p = index.producer[v] { stack += nodes[p].inputs.filter { !$0.isEmpty } }
    }
    guard names.count == 1, let name = names.first else { return nil }
    return String(name.dropLast(".weight".count))
  }
}
