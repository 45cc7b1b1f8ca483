import BiDenseIR

/// The DAB (ValueAdaptiveBinarizer) and the straight-through sign, as both exporters decompose
/// them (PATTERNS.md, sections 3 and 4):
///
///     mean = ReduceMean(x, [-1, -2], keepdims) | GlobalAveragePool(x)
///            (DPT: then Reshape([-1]) → Gather(arange(C) as [1, C, 1, 1]))
///     tau  = Add(Mul(k, mean), b)                 t = Sub(x, tau)
///     s    = Exp(Mul(alpha, Sub(mean_hw(Abs(t)), 1)))
///     q    = Add(Sub(Sign(t), P(t)), P(t))       (or Sign(t) alone)
///     dab  = Mul(s, q)
///
/// Commutative operands may come in either order, and a repeated node counts as the same
/// value. P must be a function of t alone built from elementwise ops, and is checked on sample
/// points to be the ApproxSign polynomial of Bi-Real (the paper's estimator); `(Sign − P) + P`
/// then is the sign up to one rounding, which the primitive DAB computes exactly.
struct BinarizerMatch {
  /// The value the DAB binarizes.
  var input: String
  var parameters: Binarizer
  /// The initializers k, b, alpha were read from (their names name the layer).
  var parameterNames: [String]
  /// The nodes of the pattern.
  var nodes: [Int]
}

extension ONNXImporter {
  /// The DAB whose output is `value`, read by the convolution `conv`; nil when `value` is not
  /// of its form at all (not a Mul of an Exp), an error when it is but a part is not.
  func matchBinarizer(_ value: String, for conv: Int) throws -> BinarizerMatch? {
    guard let top = pendingProducer(value), nodes[top].opType == "Mul",
      nodes[top].inputs.count == 2
    else { return nil }
    let operands = nodes[top].inputs
    guard
      let e = operands.firstIndex(where: {
        pendingProducer($0).map { nodes[$0].opType == "Exp" } ?? false
      })
    else { return nil }
    let pattern =
      "the DAB feeding \(nodes[conv].opType) '\(printable(ONNXGraphIndex.displayName(nodes[conv])))'"
    var claimed = [top]

    // s = Exp(Mul(alpha, Sub(mean_hw(|t|), 1)))
    let exp = pendingProducer(operands[e])!
    let mulAlpha = try expect(nodes[exp].inputs[0], "Mul", in: pattern, role: "the exponent")
    let (alpha, deviationLessOne) = try constantOperand(mulAlpha, in: pattern, role: "alpha")
    let subOne = try expect(deviationLessOne, "Sub", in: pattern, role: "mean|x − tau| − 1")
    try requireOne(subOne, in: pattern)
    let (absolute, meanNodes) = try channelMean(
      nodes[subOne].inputs[0], in: pattern, role: "mean|x − tau|")
    let abs = try expect(absolute, "Abs", in: pattern, role: "|x − tau|")
    let t = nodes[abs].inputs[0]
    claimed += [exp, mulAlpha, subOne, abs] + meanNodes

    // t = Sub(x, Add(Mul(k, mean_hw(x)), b))
    let subTau = try expect(t, "Sub", in: pattern, role: "x − tau")
    let x = nodes[subTau].inputs[0]
    let addB = try expect(nodes[subTau].inputs[1], "Add", in: pattern, role: "tau")
    let (b, scaledMean) = try constantOperand(addB, in: pattern, role: "b")
    let mulK = try expect(scaledMean, "Mul", in: pattern, role: "k · mean(x)")
    let (k, mean) = try constantOperand(mulK, in: pattern, role: "k")
    let (averaged, xMeanNodes) = try channelMean(mean, in: pattern, role: "mean(x)")
    guard equivalent(averaged, x) else {
      throw failure(
        index.producer[mean]!, in: pattern,
        "averages '\(printable(averaged))', but the threshold is subtracted from "
          + "'\(printable(x))': the DAB's statistics must come from its own input")
    }
    claimed += [subTau, addB, mulK] + xMeanNodes

    claimed += try matchSign(operands[1 - e], of: t, in: pattern)

    let shape = try shapeOf(x)
    guard shape.count == 4, shape[0] == 1 else {
      throw BiDenseError("\(pattern): binarizes a tensor of shape \(shape), not NCHW")
    }
    let channels = shape[1]
    let parameters = Binarizer(
      alpha: try channelVector(alpha, channels, in: pattern, role: "alpha"),
      k: try channelVector(k, channels, in: pattern, role: "k"),
      b: try channelVector(b, channels, in: pattern, role: "b"))
    return BinarizerMatch(
      input: x, parameters: parameters, parameterNames: [k, b, alpha], nodes: claimed)
  }

  /// Sign(t), or the straight-through `Add(Sub(Sign(t), P), P)`; the nodes it takes.
  func matchSign(_ value: String, of t: String, in pattern: String) throws -> [Int] {
    guard let top = pendingProducer(value) else {
      throw BiDenseError("\(pattern): the sign ('\(printable(value))') is not computed from x")
    }
    let node = nodes[top]
    if node.opType == "Sign", equivalent(node.inputs[0], t) { return [top] }
    let form = "expected Sign(x − tau) or the straight-through Sign(x − tau) − P + P"
    guard node.opType == "Add", node.inputs.count == 2 else {
      throw failure(top, in: pattern, form)
    }
    let estimator = "the straight-through sign of \(pattern)"
    for (difference, polynomial) in [
      (node.inputs[0], node.inputs[1]), (node.inputs[1], node.inputs[0]),
    ] {
      guard let sub = pendingProducer(difference), nodes[sub].opType == "Sub",
        let sign = pendingProducer(nodes[sub].inputs[0]), nodes[sign].opType == "Sign",
        equivalent(nodes[sign].inputs[0], t), equivalent(nodes[sub].inputs[1], polynomial)
      else { continue }
      return [top, sub, sign] + (try checkApproxSign(polynomial, of: t, in: estimator))
    }
    throw failure(top, in: pattern, form)
  }

  /// The elementwise ops a straight-through estimator may be built from.
  static let pointwiseOps: Set<String> = [
    "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "Equal", "Cast", "Mul", "Add", "Sub",
    "Neg", "Abs", "Clip", "Where", "Min", "Max", "Div", "Sign", "Not", "And", "Or", "Identity",
  ]

  /// ApproxSign (Bi-Real): −1 below −1, t² + 2t below 0, −t² + 2t below 1, then 1.
  static func approxSign(_ t: Double) -> Double {
    t < -1 ? -1 : t < 0 ? t * t + 2 * t : t < 1 ? -t * t + 2 * t : 1
  }

  /// Checks that `polynomial` is computed from `t` and scalar constants by elementwise ops,
  /// and that it is ApproxSign at sample points from −3 to 3; returns its nodes.
  func checkApproxSign(_ polynomial: String, of t: String, in pattern: String) throws -> [Int] {
    var variables = Set<String>()
    var claimed = Set<Int>()
    var stack = [polynomial]
    while let v = stack.popLast() {
      if variables.contains(v) || v.isEmpty { continue }
      if equivalent(v, t) {
        variables.insert(v)
        continue
      }
      if let c = try constant(v) {
        guard c.count == 1 else {
          throw BiDenseError(
            "\(pattern): P uses the constant '\(printable(v))' of shape \(c.shape); it may only "
              + "use scalars")
        }
        continue
      }
      guard let p = pendingProducer(v) else {
        throw BiDenseError(
          "\(pattern): P reads '\(printable(v))', which is not x − tau; P must be a function "
            + "of x − tau alone")
      }
      guard claimed.insert(p).inserted else { continue }
      guard Self.pointwiseOps.contains(nodes[p].opType) else {
        throw failure(p, in: pattern, "P may only use elementwise ops on x − tau")
      }
      stack += nodes[p].inputs
    }
    var samples: [Float] = [
      -3, -2, -1.5, -1, -0.75, -0.5, -0.25, -1e-3, 0, 1e-3, 0.25, 0.5, 0.75, 1, 1.5, 2, 3,
    ]
    var random = SeededRandom(seed: 0x57E)
    for _ in 0..<48 { samples.append(5 * random.uniform() - 2.5) }
    let probe = TensorValue(shape: [samples.count], floats: samples)
    var probes: [String: TensorValue] = [:]
    for v in variables { probes[v] = probe }
    let values = try evaluate(polynomial, probes: probes)
    guard values.count == samples.count, case .float(let p) = values.elements else {
      throw BiDenseError("\(pattern): P gives \(values.summary) on \(samples.count) samples")
    }
    for (t, value) in zip(samples, p) {
      let expected = Self.approxSign(Double(t))
      guard abs(Double(value) - expected) <= 1e-5 else {
        let message =
          "P(\(t)) = \(value), but the ApproxSign polynomial of BiDense gives "
          + "\(Float(expected)); another straight-through estimator is not supported"
        guard let top = pendingProducer(polynomial) else {
          throw BiDenseError("\(pattern): \(message)")
        }
        throw failure(top, in: pattern, message)
      }
    }
    return claimed.sorted()
  }

  /// The mean over height and width of a 4-D value, keeping dims: ReduceMean over axes
  /// {2, 3}, GlobalAveragePool, optionally followed by the DPT export's identity
  /// `Reshape([-1]) → Gather(arange(C) as [1, C, 1, 1])`. Returns the averaged value and
  /// the nodes.
  func channelMean(_ value: String, in pattern: String, role: String, depth: Int = 0) throws
    -> (String, [Int])
  {
    let p = try expect(
      value, pendingProducer(value).map { nodes[$0].opType } ?? "ReduceMean", in: pattern,
      role: role)
    guard depth < 4 else {
      throw failure(p, in: pattern, "\(role) nests Gather and Reshape more than 4 deep")
    }
    let node = nodes[p]
    switch node.opType {
    case "ReduceMean":
      let input = node.inputs[0]
      let rank = try shapeOf(input).count
      let axesValue =
        node.inputs.count > 1 && !node.inputs[1].isEmpty
        ? try requireConstant(node.inputs[1], "the axes").indices("the axes")
        : try node.ints("axes")
      let axes = Set((axesValue ?? []).map { $0 < 0 ? $0 + rank : $0 })
      guard rank == 4, axes == [2, 3], try node.int("keepdims", default: 1) == 1 else {
        throw failure(
          p, in: pattern,
          "\(role) must average height and width of a 4-D tensor, keeping them (axes "
            + "\(axesValue.map { "\($0)" } ?? "all") of rank \(rank))")
      }
      return (input, [p])
    case "GlobalAveragePool":
      let rank = try shapeOf(node.inputs[0]).count
      guard rank == 4 else {
        throw failure(p, in: pattern, "\(role) averages a tensor of rank \(rank), not NCHW")
      }
      return (node.inputs[0], [p])
    case "Gather":
      let flat = node.inputs[0]
      guard let reshape = pendingProducer(flat), nodes[reshape].opType == "Reshape",
        let target = try constant(nodes[reshape].inputs[1]), try target.ints() == [-1],
        try node.int("axis", default: 0) == 0, let indices = try constant(node.inputs[1])
      else {
        throw failure(p, in: pattern, "\(role): expected Gather(Reshape(mean, [-1]), arange(C))")
      }
      let (averaged, inner) = try channelMean(
        nodes[reshape].inputs[0], in: pattern, role: role, depth: depth + 1)
      let channels = try shapeOf(averaged)[1]
      guard indices.shape == [1, channels, 1, 1],
        try indices.ints() == (0..<Int64(channels)).map({ $0 })
      else {
        throw failure(
          p, in: pattern,
          "\(role): the gather's indices \(indices.summary) are not 0 … \(channels - 1) as "
            + "[1, \(channels), 1, 1], so it is not the identity")
      }
      return (averaged, inner + [reshape, p])
    default:
      throw failure(p, in: pattern, "expected ReduceMean or GlobalAveragePool as \(role)")
    }
  }

  /// The constant operand of binary node `p` (its name) and the other operand, in either order.
  func constantOperand(_ p: Int, in pattern: String, role: String) throws -> (String, String) {
    let inputs = nodes[p].inputs
    guard inputs.count == 2 else { throw failure(p, in: pattern, "needs two inputs") }
    if isConstant(inputs[0]), !isConstant(inputs[1]) { return (inputs[0], inputs[1]) }
    if isConstant(inputs[1]), !isConstant(inputs[0]) { return (inputs[1], inputs[0]) }
    throw failure(p, in: pattern, "expected one operand to be the constant \(role)")
  }

  /// Sub(m, 1): the subtracted constant is one everywhere.
  func requireOne(_ p: Int, in pattern: String) throws {
    guard let one = try constant(nodes[p].inputs[1]), let values = try? one.floats(),
      !values.isEmpty, values.allSatisfy({ $0 == 1 })
    else {
      throw failure(p, in: pattern, "expected mean|x − tau| − 1")
    }
  }

  /// A constant of one value per channel, shaped to broadcast over channels ([1, C, 1, 1] or
  /// [C, 1, 1]), or one value for all.
  func channelVector(_ value: String, _ channels: Int, in pattern: String, role: String) throws
    -> [Float]
  {
    let c = try requireConstant(value, role)
    let values = try c.floats(role)
    if values.count == 1 { return [Float](repeating: values[0], count: channels) }
    let target = [1, channels, 1, 1]
    guard values.count == channels, Strides.broadcast(c.shape, target) == target else {
      throw BiDenseError(
        "\(pattern): \(role) ('\(printable(value))') has shape \(c.shape), expected one value "
          + "per channel of \(channels)")
    }
    return values
  }
}
