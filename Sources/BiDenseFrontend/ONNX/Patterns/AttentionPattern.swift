import BiDenseIR
import Foundation

/// The ViT's binary attention as dynamo exports it (`Attention` of `bivit_vit.py`), from the
/// qkv tensor [1, T, 3·D] to the counts [1, T, D]:
///
///     S = Sign(Transpose(Reshape(qkv, [1, T, 3, H, hd]), [2, 0, 3, 1, 4]))
///     q, k, v = Squeeze(Slice(S, [s], [s + 1], [0]), [0]),  s = 0, 1, 2
///     P = Softmax(Mul(MatMul(q, Transpose(k, [0, 1, 3, 2])), scale))
///     M = Cast(Where(Less(P, Unsqueeze(Mul(ReduceMax(P, [-1]), 1/4), [-1])), 0, 1))
///     counts = Reshape(Transpose(MatMul(Add(Sub(M, P), P), v), [0, 2, 1, 3]), [1, T, D])
///
/// `M − P + P` is M, the keys kept; with scale hd^−½ and the threshold a quarter of the row's
/// best, keeping is the integer rule of BinaryAttention, so the whole chain is one attention
/// op. The threshold is the Mul after ReduceMax, found by position: with hd 16 the exporter
/// shares one constant 0.25 between it and the scale.
extension ONNXImporter {
  /// The attention whose counts are the pending Reshape `p`, lowered; nil when `p` does not
  /// reshape a product of two computed values.
  func lowerAttention(_ p: Int, name: String?) throws -> ValueID? {
    guard nodes[p].opType == "Reshape",
      let transposeOut = pendingProducer(nodes[p].inputs[0]),
      nodes[transposeOut].opType == "Transpose",
      let product = pendingProducer(nodes[transposeOut].inputs[0]),
      nodes[product].opType == "MatMul", !isConstant(nodes[product].inputs[1])
    else { return nil }
    let pattern =
      "the binary attention ending at '\(printable(ONNXGraphIndex.displayName(nodes[p])))'"
    var claimed = [p, transposeOut, product]
    try requirePermutation(transposeOut, [0, 2, 1, 3], in: pattern)

    // Add(Sub(M, P), P): M with a straight-through gradient.
    let straight = try expect(
      nodes[product].inputs[0], "Add", in: pattern, role: "the kept keys M − P + P")
    var probabilities: String?
    var mask: String?
    for (difference, other) in [
      (nodes[straight].inputs[0], nodes[straight].inputs[1]),
      (nodes[straight].inputs[1], nodes[straight].inputs[0]),
    ] {
      guard let sub = pendingProducer(difference), nodes[sub].opType == "Sub",
        equivalent(nodes[sub].inputs[1], other)
      else { continue }
      (probabilities, mask) = (other, nodes[sub].inputs[0])
      claimed += [straight, sub]
      break
    }
    guard let probabilities, let mask else {
      throw failure(straight, in: pattern, "expected the kept keys as M − P + P")
    }

    // M = Cast(Where(Less(P, threshold), 0, 1)): 1 where P reaches the threshold.
    let cast = try expect(mask, "Cast", in: pattern, role: "the mask M")
    guard try nodes[cast].int("to", default: nil) == 1 else {
      throw failure(cast, in: pattern, "casts the mask to a type other than float")
    }
    let select = try expect(nodes[cast].inputs[0], "Where", in: pattern, role: "the mask M")
    guard nodes[select].inputs.count == 3,
      try constant(nodes[select].inputs[1])?.scalar("the value where below") == 0,
      try constant(nodes[select].inputs[2])?.scalar("the value where kept") == 1
    else {
      throw failure(select, in: pattern, "expected Where(P < threshold, 0, 1)")
    }
    let less = try expect(nodes[select].inputs[0], "Less", in: pattern, role: "P < threshold")
    guard equivalent(nodes[less].inputs[0], probabilities) else {
      throw failure(less, in: pattern, "compares a value other than the attention P")
    }
    let unsqueeze = try expect(
      nodes[less].inputs[1], "Unsqueeze", in: pattern, role: "the threshold per query")
    let quarter = try expect(
      nodes[unsqueeze].inputs[0], "Mul", in: pattern, role: "the threshold")
    let (factor, best) = try constantOperand(quarter, in: pattern, role: "the threshold factor")
    guard try requireConstant(factor, "the threshold factor").scalar("the factor") == 0.25 else {
      throw failure(
        quarter, in: pattern,
        "keeps keys above \(try requireConstant(factor, "").summary) of the best, not 1/4, "
          + "which the binary attention needs")
    }
    let reduceMax = try expect(best, "ReduceMax", in: pattern, role: "the best key per query")
    guard equivalent(nodes[reduceMax].inputs[0], probabilities),
      try reductionAxes(reduceMax) == [-1], try nodes[reduceMax].int("keepdims", default: 1) == 0,
      try requireConstant(nodes[unsqueeze].inputs[1], "the axes").ints("the axes") == [-1]
    else {
      throw failure(
        reduceMax, in: pattern, "expected the best of P over the keys (axis -1), unsqueezed")
    }
    claimed += [cast, select, less, unsqueeze, quarter, reduceMax]

    // P = Softmax(Mul(MatMul(q, Transpose(k)), scale)).
    let softmax = try expect(probabilities, "Softmax", in: pattern, role: "the attention P")
    guard try nodes[softmax].int("axis", default: -1) == -1 else {
      throw failure(softmax, in: pattern, "normalizes along an axis other than the keys (-1)")
    }
    let scaled = try expect(nodes[softmax].inputs[0], "Mul", in: pattern, role: "the scaled scores")
    let (scaleName, scores) = try constantOperand(scaled, in: pattern, role: "the scale")
    let gram = try expect(scores, "MatMul", in: pattern, role: "the scores q · kᵀ")
    let keysTransposed = try expect(
      nodes[gram].inputs[1], "Transpose", in: pattern, role: "the keys transposed")
    try requirePermutation(keysTransposed, [0, 1, 3, 2], in: pattern)
    claimed += [softmax, scaled, gram, keysTransposed]

    // q, k, v: the three slices of one ternary sign of qkv in heads.
    var signed: String?
    for (s, value) in [
      nodes[gram].inputs[0], nodes[keysTransposed].inputs[0], nodes[product].inputs[1],
    ].enumerated() {
      let role = ["q", "k", "v"][s]
      let squeeze = try expect(value, "Squeeze", in: pattern, role: role)
      let slice = try expect(nodes[squeeze].inputs[0], "Slice", in: pattern, role: role)
      let operands = try nodes[slice].inputs.dropFirst().map {
        try requireConstant($0, "the slice's bounds").ints("the slice's bounds")
      }
      guard operands.count >= 3, operands[0] == [Int64(s)], operands[1] == [Int64(s + 1)],
        operands[2] == [0], operands.count == 3 || operands[3] == [1],
        nodes[squeeze].inputs.count == 2,
        try requireConstant(nodes[squeeze].inputs[1], "the axes").ints("the axes") == [0]
      else {
        throw failure(slice, in: pattern, "expected \(role) as part \(s) of the signed qkv")
      }
      let source = nodes[slice].inputs[0]
      if let first = signed, !equivalent(first, source) {
        throw failure(slice, in: pattern, "takes \(role) from another value than q")
      }
      signed = source
      claimed += [squeeze, slice]
    }
    let sign = try expect(signed!, "Sign", in: pattern, role: "the ternary q, k, v")
    let heads = try expect(nodes[sign].inputs[0], "Transpose", in: pattern, role: "qkv in heads")
    try requirePermutation(heads, [2, 0, 3, 1, 4], in: pattern)
    let split = try expect(nodes[heads].inputs[0], "Reshape", in: pattern, role: "qkv in heads")
    claimed += [sign, heads, split]

    let qkv = try tensor(of: nodes[split].inputs[0], for: split)
    let shape = builder.shape(qkv)
    let dims = try requireConstant(nodes[split].inputs[1], "the shape").indices("the shape")
    guard shape.isTokens, dims.count == 5, dims[0] == 1, dims[1] == shape.tokens, dims[2] == 3,
      dims[3] > 0, dims[4] > 0,
      Checked.multiply(dims[3], dims[4]).flatMap({ Checked.multiply(3, $0) }) == shape.channels
    else {
      throw failure(
        split, in: pattern,
        "splits \(shape) as \(dims), not as [1, T, 3, heads, head width] of the tokens")
    }
    let (headCount, headWidth) = (dims[3], dims[4])
    let counts = try requireConstant(nodes[p].inputs[1], "the shape").indices("the shape")
    guard counts == [1, shape.tokens, headCount * headWidth] else {
      throw failure(
        p, in: pattern,
        "reshapes the counts to \(counts), not [1, \(shape.tokens), \(headCount * headWidth)]")
    }
    let scale = try requireConstant(scaleName, "the scale").floats("the scale")
    let expected = Float(1 / Double(headWidth).squareRoot())
    guard scale.count == 1, abs(scale[0] - expected) <= expected.ulp else {
      throw failure(
        scaled, in: pattern,
        "scales the scores by \(scale), not by 1/√\(headWidth) = \(expected), which the "
          + "binary attention's integer rule needs")
    }

    let path = tokenLayerPath[qkv].map { ModuleNames.split($0).parent }
    let id = try builder.attention(
      name ?? path.map { ModuleNames.node($0, "attention") } ?? nodeName(p), qkv,
      heads: headCount)
    if let path { tokenLayerPath[id] = path }
    done.formUnion(claimed)
    return id
  }

  /// Transpose `p` has the permutation `perm`.
  func requirePermutation(_ p: Int, _ perm: [Int], in pattern: String) throws {
    let given = try nodes[p].ints("perm")
    guard given == perm else {
      throw failure(
        p, in: pattern,
        "permutes the axes by \(given.map { "\($0)" } ?? "default"), expected \(perm)")
    }
  }

  /// The axes of a reduction, from its second input (opset 18) or its attribute.
  func reductionAxes(_ p: Int) throws -> [Int]? {
    let node = nodes[p]
    if node.inputs.count > 1, !node.inputs[1].isEmpty {
      return try requireConstant(node.inputs[1], "the axes").indices("the axes")
    }
    return try node.ints("axes")
  }
}
