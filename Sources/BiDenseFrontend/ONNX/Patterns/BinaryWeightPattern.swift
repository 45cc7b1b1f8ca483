import BiDenseIR

/// The binary convolution of a BiDense layer: a Conv or ConvTranspose whose input is a DAB
/// (BinarizerPattern.swift), its weights, and its BatchNorm (PATTERNS.md, section 5).
///
/// The weights arrive in one of two forms:
/// - computed in the graph (TorchScript always; dynamo above 8192 weight elements):
///   `Add(Sub(Mul(mean|W|, Sign(W)), Clip(W)), Clip(W))` over the raw weight W, the mean over
///   every dimension but the first; a BatchNormalization node follows. The raw W is taken, so
///   the primitive graph holds what a model spec would.
/// - folded by the exporter (dynamo up to 8192 elements), often with the BatchNorm folded in:
///   a constant that must be `±a_o` per output channel for a Conv (a_o then includes the
///   BatchNorm's scale, with a sign bit flipped where that scale is negative), and
///   `±a_i · g_o` for a ConvTranspose (a per input channel, the BatchNorm's scale per output
///   channel). The signs are the weight's, the factors are recovered per channel, and
///   anything not of that form is rejected: a float weight is not binary.
/// Either way the weight, as the graph computes it, is checked to be of the binary form.
struct BinaryWeights {
  /// The weight of the primitive binary convolution: sign and scale per row as it expects.
  var weight: [Float]
  /// A factor per output channel that the weight does not carry (a transposed convolution's
  /// folded BatchNorm scale), applied after the convolution.
  var outputScale: [Float]?
}

extension ONNXImporter {
  /// Relative spread allowed in the magnitudes of a folded binary weight. The exporter rounds
  /// each element of `(a·sign(W) − clip(W)) + clip(W)` (times the BatchNorm scale) on its own,
  /// so magnitudes within a channel differ by a few ulps (2.7e-7 relative measured); a float
  /// weight's spread is of order one. 1e-5 leaves a wide margin on both sides, and changes the
  /// convolution by less than a tenth of verify's 1e-4 bound.
  static let binaryWeightTolerance = 1e-5

  func lowerConvolution(_ i: Int) throws -> Bool {
    let node = nodes[i]
    guard node.inputs.count >= 2 else { throw failure(i, "needs an input and a weight") }
    guard let dab = try matchBinarizer(node.inputs[0], for: i) else {
      try lowerFloatConvolution(i)
      return true
    }
    let x = try tensor(of: dab.input, for: i)
    let weightValue = try requireConstant(node.inputs[1], "the weight")
    var conv = try convolutionGeometry(i, input: builder.shape(x), weightShape: weightValue.shape)
    let weights = try binaryWeights(i, conv, weightValue)
    conv.weight = weights.weight
    let bias = try self.bias(i, conv.outChannels)
    let layer = layerPath(conv: i, parameters: dab.parameterNames)
    // The primitive graph holds its own copy of the weight now.
    constantCache[node.inputs[1]] = nil

    // The BatchNorm: the node that alone reads the convolution, or the folded one.
    let output = node.outputs[0]
    let readers = index.liveConsumers(output)
    let normNode =
      readers.count == 1 && nodes[readers[0]].opType == "BatchNormalization"
        && nodes[readers[0]].inputs.first == output && !index.isGraphOutput(output)
      ? readers[0] : nil
    let norm: BatchNorm
    if let normNode {
      guard weights.outputScale == nil else {
        throw failure(
          normNode, "follows a transposed convolution whose BatchNorm is already folded")
      }
      conv.bias = bias
      norm = try batchNormParameters(normNode)
    } else {
      let ones = [Float](repeating: 1, count: conv.outChannels)
      norm = Self.scaling(weights.outputScale ?? ones, shift: bias)
    }

    let binarized = try builder.binarize(ModuleNames.node(layer, "binarizer"), x, dab.parameters)
    let convolved = try builder.convolution(
      ModuleNames.child(layer, conv.transposed ? "conv_transpose" : "conv"), binarized, conv,
      binary: true)
    let normalized = try builder.batchNorm(ModuleNames.child(layer, "norm"), convolved, norm)
    layerOfValue[normalized] = layer
    done.formUnion(dab.nodes)
    if let normNode {
      tensors[nodes[normNode].outputs[0]] = normalized
      done.insert(normNode)
    } else {
      tensors[output] = normalized
    }
    return true
  }

  /// The binary weight of convolution `i` (geometry `conv`), whose weight input evaluates to
  /// `value`.
  func binaryWeights(_ i: Int, _ conv: Convolution, _ value: TensorValue) throws -> BinaryWeights {
    let pattern =
      "the binary weight of \(nodes[i].opType) '\(printable(ONNXGraphIndex.displayName(nodes[i])))'"
    let weight = try value.floats("the weight")
    let form = try Self.binaryForm(weight, conv, in: pattern)
    if let raw = rawBinaryWeight(nodes[i].inputs[1]), let values = try? raw.floats(),
      raw.shape == value.shape
    {
      // Computed from W in the graph: the primitive convolution binarizes W itself.
      return BinaryWeights(weight: values, outputScale: nil)
    }
    guard let outputScale = form.outputScale else {
      return BinaryWeights(weight: weight, outputScale: nil)
    }
    // A transposed weight with a folded output scale: keep sign · a_i, scale the output.
    let rowLength = weight.count / max(1, conv.weightShape[0])
    let rebuilt = weight.enumerated().map { k, w in
      (w < 0 ? -1 : 1) * form.rowScale[k / rowLength]
    }
    return BinaryWeights(weight: rebuilt, outputScale: outputScale)
  }

  /// The raw weight W when `value` is computed as `a·sign(W)`, optionally wrapped in the
  /// straight-through `(· − Clip(W)) + Clip(W)`, with a the mean of |W| over dims 1…3.
  func rawBinaryWeight(_ value: String) -> TensorValue? {
    func producer(_ v: String, _ op: String) -> ONNXNode? {
      guard let p = index.producer[v], nodes[p].opType == op else { return nil }
      return nodes[p]
    }
    var core = value
    if let add = producer(value, "Add"), add.inputs.count == 2 {
      for (difference, clip) in [(add.inputs[0], add.inputs[1]), (add.inputs[1], add.inputs[0])] {
        if let sub = producer(difference, "Sub"), sub.inputs.count == 2,
          equivalent(sub.inputs[1], clip), producer(clip, "Clip") != nil
        {
          core = sub.inputs[0]
        }
      }
      guard core != value else { return nil }
    }
    guard let mul = producer(core, "Mul"), mul.inputs.count == 2 else { return nil }
    for (mean, signed) in [(mul.inputs[0], mul.inputs[1]), (mul.inputs[1], mul.inputs[0])] {
      guard let sign = producer(signed, "Sign"), let w = sign.inputs.first,
        let raw = (try? constant(w)) ?? nil, raw.rank == 4
      else { continue }
      // The mean: ReduceMean nodes, keeping dims, over axes 1, 2 and 3 together.
      var axes: [Int] = []
      var v = mean
      while let reduce = producer(v, "ReduceMean") {
        guard (try? reduce.int("keepdims", default: 1)) == 1 else { return nil }
        let given =
          reduce.inputs.count > 1 && !reduce.inputs[1].isEmpty
          ? (try? constant(reduce.inputs[1])?.indices("axes")) ?? nil
          : (try? reduce.ints("axes")) ?? nil
        guard let given else { return nil }
        axes += given.map { $0 < 0 ? $0 + 4 : $0 }
        v = reduce.inputs[0]
      }
      guard axes.sorted() == [1, 2, 3], let abs = producer(v, "Abs"),
        equivalent(abs.inputs[0], w)
      else { continue }
      if let clip = core == value ? nil : producer(value, "Add") {
        // The clipped operand reads W too.
        let clipped = clip.inputs.compactMap { producer($0, "Clip") }.first
        guard let clipped, equivalent(clipped.inputs[0], w) else { return nil }
      }
      return raw
    }
    return nil
  }

  /// The checked binary form of a weight: its magnitude per row (dim 0) and, for a transposed
  /// convolution whose magnitudes also vary by output channel, the factor per output channel.
  static func binaryForm(_ w: [Float], _ conv: Convolution, in pattern: String) throws
    -> (rowScale: [Float], outputScale: [Float]?)
  {
    let shape = conv.weightShape
    let rows = shape[0]
    let taps = shape[2] * shape[3]
    // Magnitude per (row, column): per output channel a whole row for a convolution; per
    // (input, output) pair for a transposed one.
    let columns = conv.transposed ? shape[1] : 1
    let span = w.count / (rows * columns)
    // The mean magnitude of each cell, and its median, against which an element that breaks
    // the form stands out (the mean moves with it).
    var magnitude = [Double](repeating: 0, count: rows * columns)
    var typical = [Double](repeating: 0, count: rows * columns)
    for cell in 0..<(rows * columns) {
      let cellMagnitudes = w[(cell * span)..<((cell + 1) * span)].map { Double(abs($0)) }
      magnitude[cell] = cellMagnitudes.reduce(0, +) / Double(span)
      typical[cell] = cellMagnitudes.sorted()[span / 2]
    }
    func index(_ k: Int) -> String {
      var rest = k
      var parts: [Int] = []
      for dim in shape.reversed() {
        parts.append(rest % dim)
        rest /= dim
      }
      return "[\(parts.reversed().map(String.init).joined(separator: ", "))]"
    }
    for k in w.indices {
      let m = typical[k / span]
      guard abs(Double(abs(w[k])) - m) <= binaryWeightTolerance * m else {
        let unit = conv.transposed ? "(input, output) channel pair" : "output channel"
        throw BiDenseError(
          "\(pattern): element \(index(k)) has magnitude \(abs(w[k])), but its \(unit) has "
            + "\(Float(m)): the weight is not binary (±a per \(unit)), so the convolution is "
            + "not a BiDense one")
      }
    }
    guard conv.transposed else { return (magnitude.map { Float($0) }, nil) }
    // Transposed: magnitude[i, j] = a_i · g_o, o = group(i) · (O / g) + j.
    _ = taps
    let inPerGroup = conv.inChannelsPerGroup
    let outPerGroup = conv.outChannelsPerGroup
    let a = (0..<rows).map { i in
      (0..<columns).reduce(0.0) { $0 + magnitude[i * columns + $1] } / Double(columns)
    }
    var g = [Double](repeating: 1, count: conv.outChannels)
    for o in 0..<conv.outChannels {
      let group = o / outPerGroup
      let j = o % outPerGroup
      let inputs = (group * inPerGroup..<((group + 1) * inPerGroup)).filter { a[$0] > 0 }
      guard !inputs.isEmpty else { continue }
      g[o] = inputs.reduce(0.0) { $0 + magnitude[$1 * columns + j] / a[$1] } / Double(inputs.count)
    }
    for i in 0..<rows {
      for j in 0..<columns {
        let o = (i / inPerGroup) * outPerGroup + j
        let m = magnitude[i * columns + j]
        guard abs(m - a[i] * g[o]) <= binaryWeightTolerance * m else {
          throw BiDenseError(
            "\(pattern): the magnitudes are not a per-input-channel scale times a "
              + "per-output-channel one (input \(i), output \(o): \(Float(m)), expected "
              + "\(Float(a[i] * g[o]))), so the weight is not a BiDense binary weight")
        }
      }
    }
    let uniform = g.allSatisfy { abs($0 - 1) <= binaryWeightTolerance }
    return (a.map { Float($0) }, uniform ? nil : g.map { Float($0) })
  }
}
