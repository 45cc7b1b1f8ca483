import BiDenseIR

/// Subgraphs that rearrange one tensor linearly: the channel-adaptive bypass (CFB) and the
/// adaptive average pooling, however an exporter spells them, and the moves of tokens
/// (TokenMoves.swift).
///
/// - CFB: dynamo repeats with `Expand` + `Tile` and merges with `Slice` → `Reshape` →
///   `ReduceMean` → `Concat`; TorchScript computes the same bounds with int64 shape arithmetic
///   (folded before this runs) and wraps the repeat in a `Concat` of one input.
/// - Adaptive average pooling (PSP stages): `ReduceMean` over height and width for one bin;
///   otherwise `Transpose` → `GatherND` → `Transpose` → `ReduceMean`, and for bins of unequal
///   size also `Where`, unrolled `Gather` + `Add` and a `Div` by the bin sizes.
///
/// Rather than match each spelling node by node, the pattern takes the whole subgraph between
/// one lowered tensor and the value read (every node pending, every op linear: data movement,
/// means, sums, products with constants), evaluates it on a seeded random probe of that
/// tensor, and compares the result with what the candidate op computes on the same probe: the
/// CFB when height and width are kept, the adaptive pooling when the channels are. Two
/// different linear (or affine) maps agree on a random probe with probability zero, so
/// agreement within float rounding identifies the op; anything else is rejected.
extension ONNXImporter {
  /// The ops such a subgraph may contain. Mul and Div need a constant factor, Where a constant
  /// condition: then the subgraph is affine in its one tensor.
  static let linearOps: Set<String> = [
    "Slice", "Reshape", "ReduceMean", "ReduceSum", "GlobalAveragePool", "Concat", "Expand",
    "Tile", "Transpose", "Gather", "GatherND", "Where", "Add", "Sub", "Mul", "Div", "Unsqueeze",
    "Squeeze", "Flatten", "Identity", "Dropout",
  ]

  /// Relative agreement required between the subgraph and the candidate on the probe. Both
  /// compute means of the same float32 values, in different orders (double against float
  /// sums): they differ by a few ulps, far below this; a different rearrangement differs by
  /// the probe's own size, far above it.
  static let probeTolerance: Float = 1e-5

  struct LinearRegion {
    var source: String
    var nodes: [Int]
  }

  /// Lowers the pending node `p` because `consumer` reads its value as a tensor.
  func lowerPending(_ p: Int, consumer: Int?, name: String?) throws -> ValueID {
    let node = nodes[p]
    if let id = try lowerAttention(p, name: name) ?? lowerGELU(p, name: name) { return id }
    let value = node.outputs[0]
    let reader =
      consumer.map {
        "'\(printable(ONNXGraphIndex.displayName(nodes[$0])))' (\(printable(nodes[$0].opType)))"
      } ?? "the graph's output"
    var offending: Int?
    let region = try linearRegion(value, offending: &offending)
    if region == nil, node.opType == "Concat" {
      let id = try concatenate(p)
      done.insert(p)
      return id
    }
    guard let region else {
      let culprit = offending ?? p
      if culprit == p {
        throw failure(
          p,
          "is read as a tensor by \(reader), but it " + Self.unsupported(node.opType).dropFirst(3))
      }
      throw failure(
        culprit, in: "the subgraph that computes '\(printable(value))' for \(reader)",
        Self.unsupported(nodes[culprit].opType))
    }
    guard let source = loweredTensor(region.source) else {
      throw BiDenseError("'\(printable(region.source))' is not a tensor")
    }
    let sourceShape = builder.shape(source)
    var random = SeededRandom(seed: 0xB1DE_45E0)
    let probe = TensorValue(
      shape: Self.dims(sourceShape), floats: random.normals(sourceShape.count))
    let result = try evaluate(value, probes: [region.source: probe])
    let pattern =
      "the subgraph from '\(printable(region.source))' to '\(printable(value))', read by \(reader)"
    let nodeName = name ?? self.nodeName(p)
    if sourceShape.isTokens || result.rank != 4 {
      let id = try tokenMove(
        from: source, probe: try probe.floats(), result: result, at: p, in: pattern,
        name: nodeName)
      done.formUnion(region.nodes)
      return id
    }
    guard result.rank == 4, result.shape[0] == 1, case .float(let actual) = result.elements else {
      throw failure(
        p, in: pattern, "gives a \(result.typeName) tensor of shape \(result.shape), not NCHW")
    }
    let output = TensorShape(
      channels: result.shape[1], height: result.shape[2], width: result.shape[3])
    let input = try probe.floats()
    var mismatch = ""
    if output.height == sourceShape.height && output.width == sourceShape.width {
      let plan = try ChannelBypassPlan(
        inChannels: sourceShape.channels, outChannels: output.channels, node: nodeName)
      let expected = Self.bypass(input, sourceShape, plan)
      if let difference = Self.difference(actual, expected) {
        mismatch =
          "the channel bypass from \(sourceShape.channels) to \(output.channels) channels "
          + "gives \(difference)"
      } else {
        done.formUnion(region.nodes)
        return try builder.channelBypass(nodeName, source, outChannels: output.channels)
      }
    }
    if output.channels == sourceShape.channels {
      let expected = Self.adaptivePool(input, sourceShape, output)
      if let difference = Self.difference(actual, expected) {
        mismatch +=
          (mismatch.isEmpty ? "" : "; ")
          + "adaptive average pooling to \(output.height)x\(output.width) gives \(difference)"
      } else {
        done.formUnion(region.nodes)
        return try builder.adaptiveAvgPool(
          nodeName, source, height: output.height, width: output.width)
      }
    }
    if mismatch.isEmpty {
      mismatch =
        "it changes both the channels (\(sourceShape.channels) to \(output.channels)) "
        + "and the size (\(sourceShape.height)x\(sourceShape.width) to "
        + "\(output.height)x\(output.width))"
    }
    throw failure(
      p, in: pattern,
      "computes a rearrangement that is neither the BiDense channel bypass nor an adaptive "
        + "average pooling: \(mismatch)")
  }

  /// The pending subgraph that computes `value` from exactly one lowered tensor with linear
  /// ops; nil when there is none, with `offending` set to a node that is not linear, if any.
  func linearRegion(_ value: String, offending: inout Int?) throws -> LinearRegion? {
    var sources = Set<String>()
    var visited = Set<Int>()
    var stack = [value]
    while let v = stack.popLast() {
      if v.isEmpty || isConstant(v) { continue }
      if loweredTensor(v) != nil {
        sources.insert(v)
        continue
      }
      guard let p = index.producer[v] else { return nil }
      guard visited.insert(p).inserted else { continue }
      let node = nodes[p]
      guard Self.linearOps.contains(node.opType), try isLinear(p) else {
        offending = p
        return nil
      }
      stack += node.inputs
    }
    guard sources.count == 1, let source = sources.first else { return nil }
    return LinearRegion(source: source, nodes: visited.sorted())
  }

  /// Whether node `p` of a linear op is linear in its non-constant inputs.
  private func isLinear(_ p: Int) throws -> Bool {
    let node = nodes[p]
    let constantInputs = node.inputs.map { $0.isEmpty || isConstant($0) }
    switch node.opType {
    case "Mul": return constantInputs.contains(true)
    case "Div": return constantInputs.count == 2 && constantInputs[1]
    case "Where": return constantInputs.first == true
    // Every operand but the data is a constant: indices, shapes, axes, repeats.
    case "Slice", "Reshape", "Expand", "Tile", "Gather", "GatherND", "ReduceMean", "ReduceSum",
      "Unsqueeze", "Squeeze":
      return constantInputs.dropFirst().allSatisfy { $0 }
    default: return true
    }
  }

  /// CFB of `x` by `plan`, as the interpreter computes it: each output channel the float
  /// mean of its source channels, added in order; on an image or on tokens.
  static func bypass(_ x: [Float], _ shape: TensorShape, _ plan: ChannelBypassPlan) -> [Float] {
    let pixels = shape.pixels
    let outChannels = plan.sources.count
    // The flat index of (channel, position) in the input and the output, in the layout.
    func element(_ c: Int, _ p: Int, channels: Int) -> Int {
      shape.isTokens ? p * channels + c : c * pixels + p
    }
    var out = [Float](repeating: 0, count: outChannels * pixels)
    for (j, source) in plan.sources.enumerated() {
      for p in 0..<pixels {
        var sum: Float = 0
        for k in 0..<source.count {
          sum += x[element(source.start + k * source.stride, p, channels: shape.channels)]
        }
        out[element(j, p, channels: outChannels)] = sum / Float(source.count)
      }
    }
    return out
  }

  /// AdaptiveAvgPool2d of `x`: bin i spans floor(i·in/n) ..< ceil((i + 1)·in/n).
  static func adaptivePool(_ x: [Float], _ shape: TensorShape, _ output: TensorShape) -> [Float] {
    func bin(_ i: Int, _ n: Int, _ size: Int) -> Range<Int> {
      (i * size / n)..<(((i + 1) * size + n - 1) / n)
    }
    var out: [Float] = []
    out.reserveCapacity(output.count)
    for c in 0..<shape.channels {
      for oy in 0..<output.height {
        let rows = bin(oy, output.height, shape.height)
        for ox in 0..<output.width {
          let cols = bin(ox, output.width, shape.width)
          var sum: Float = 0
          for y in rows { for x0 in cols { sum += x[(c * shape.height + y) * shape.width + x0] } }
          out.append(sum / Float(rows.count * cols.count))
        }
      }
    }
    return out
  }

  /// nil when `actual` agrees with `expected` within the probe tolerance, else a description
  /// of the first element that does not.
  static func difference(_ actual: [Float], _ expected: [Float]) -> String? {
    guard actual.count == expected.count else {
      return "\(expected.count) elements where the subgraph gives \(actual.count)"
    }
    let scale = expected.reduce(Float(0)) { max($0, abs($1)) }
    let bound = probeTolerance * scale + 1e-6
    for (k, (a, e)) in zip(actual, expected).enumerated() where !(abs(a - e) <= bound) {
      return "element \(k) = \(e) where the subgraph gives \(a)"
    }
    return nil
  }
}
