import BiDenseIR

// Stage 6 of the pipeline: weight packing.
// In:  a LoweredModel (each fused node's kernel chosen, with its layout).
// Out: PackedWeights: the constant arrays every kernel reads, in the layout its kernel kind
//      dictates (weight signs as nibbles, tap bits, bytes or words; folded BatchNorm; DAB
//      parameters; epilogue vectors), shared arrays stored once, and per kernel the name of
//      each array by role and the flash bytes it added.

/// What a constant array is to the kernel that reads it.
public enum ConstantRole: Hashable, Sendable {
  /// The DAB's alpha, k and b, one after the other.
  case dabParameters
  /// Per output channel: the factor of the folded weight scale and BatchNorm.
  case multiplier
  /// Per output channel: the folded bias and BatchNorm shift.
  case offset
  /// Per input channel: the weight scale of a transposed convolution.
  case weightScale
  /// The weights in the kernel's layout: packed signs, or floats for float kernels.
  case weights
  /// A float convolution's bias.
  case bias
  /// A binary linear layer's nonzero plane of its weight signs (absent when none is 0).
  case weightMask
  /// A binary linear layer's `move`, added to its input before the sign.
  case move
  /// A constant tensor or vector an op adds or puts first (position embedding, class token).
  case constant
  /// An antialiased resize's window starts and weights, across (0) and down (1).
  case resizeStarts(axis: Int)
  case resizeWeights(axis: Int)
  /// The model's table of 16 words spreading the 4 bits of a nibble into 4 bytes (bit b of
  /// the index to byte b), for turning bit-sliced counts into byte counts.
  case nibbleSpread
  /// Vector `index` of the epilogue op at node `id` (`ElementwiseOp.channelVectors`).
  case epilogue(ValueID, index: Int)
}

/// The model's constant arrays and which kernel reads which.
public struct PackedWeights: Sendable {
  public var pool = ConstantPool()
  /// Per kernel, the array that plays each role.
  public var symbols: [[ConstantRole: String]] = []
  /// Per kernel, the bytes its arrays added (a shared array counts once, at first use).
  public var flashBytes: [Int] = []
}

public enum WeightPacking {
  public static func pack(_ model: LoweredModel) -> PackedWeights {
    var packed = PackedWeights()
    let graph = model.graph
    for (index, kernel) in model.kernels.enumerated() {
      var packer = KernelPacker(pool: packed.pool, base: "k\(index)", name: kernel.node.name)
      packer.pack(kernel, graph)
      packed.flashBytes.append(packer.pool.bytes - packed.pool.bytes)
      packed.pool = packer.pool
      packed.symbols.append(packer.symbols)
    }
    return packed
  }
}

/// Packs one kernel's arrays, named `k<index>_<what>`.
private struct KernelPacker {
  var pool: ConstantPool
  let base: String
  let name: String
  var symbols: [ConstantRole: String] = [:]

  init(pool: ConstantPool, base: String, name: String) {
    self.pool = pool
    self.base = base
    self.name = name
  }

  mutating func pack(_ kernel: Kernel, _ graph: Graph) {
    let fused: FusedBinaryConv?
    if case .binaryConv(let conv) = kernel.node.body { fused = conv } else { fused = nil }
    switch kernel.kind {
    case .quadLookup(let k):
      let w = binaryShared(fused!, graph, withWeightScale: true)
      epilogue(kernel.epilogue)
      let padding = (k.weightRows - w.outChannels) * k.nibbleBytes
      // Outputs past the end (up to a whole output block of either path) read zero nibbles.
      symbols[.weights] = pool.bytes(
        "\(base)_nibbles", w.nibbles() + [UInt8](repeating: 0, count: padding),
        comment: "\(name): weight signs, [out][tap][quad] 4 bits each, low nibble first")
    case .depthwiseSignCount:
      let w = binaryShared(fused!, graph, withWeightScale: true)
      epilogue(kernel.epilogue)
      symbols[.weights] = pool.bytes(
        "\(base)_taps", w.tapBits(),
        comment: "\(name): weight signs, [channel][tap bits], bit 1 = +1")
    case .byteTable:
      let w = binaryShared(fused!, graph, withWeightScale: true)
      if w.transposed {
        symbols[.weightScale] = pool.floats(
          "\(base)_wscale", w.weightScale,
          comment: "\(name): weight scale per input channel")
      }
      epilogue(kernel.epilogue)
      symbols[.weights] = pool.bytes(
        "\(base)_bits", w.bytesAlongChannels(),
        comment: "\(name): weight signs, [out][tap][byte], bit 1 = +1")
    case .wordTable(let k):
      let w = binaryShared(fused!, graph, withWeightScale: true)
      if w.transposed {
        symbols[.weightScale] = pool.floats(
          "\(base)_wscale", w.weightScale,
          comment: "\(name): weight scale per input channel")
      }
      epilogue(kernel.epilogue)
      let units = w.unitsAlongChannels(bits: k.units.bits, count: k.units.count)
      let comment =
        "\(name): weight signs, [out][tap][\(k.units.bits)-bit unit], bit 1 = +1"
      symbols[.weights] =
        k.units.bits == 8
        ? pool.bytes("\(base)_units", units.map { UInt8($0) }, comment: comment)
        : pool.words("\(base)_units", units, bits: k.units.bits, comment: comment)
    case .depthwiseBits(let k):
      let w = binaryShared(fused!, graph, withWeightScale: true)
      epilogue(kernel.epilogue)
      symbols[.weights] = pool.words(
        "\(base)_negated", w.negatedTapWords(words: k.words), bits: 32,
        comment: "\(name): negated weight signs, [tap][32 channels], bit 1 = -1")
      // Shared by every such kernel of the model: the pool keeps the first copy's name.
      var spread: [UInt64] = []
      for n in 0..<16 {
        var word: UInt64 = 0
        for b in 0..<4 where n >> b & 1 == 1 { word |= UInt64(1) << UInt64(8 * b) }
        spread.append(word)
      }
      symbols[.nibbleSpread] = pool.words(
        "spread", spread, bits: 32, comment: "bit b of a nibble to byte b, for bit-sliced counts")
    case .xnorPopcount(let k):
      let w = binaryShared(fused!, graph, withWeightScale: true)
      epilogue(kernel.epilogue)
      symbols[.weights] = pool.words(
        "\(base)_words", w.wordsAcrossOutputs(units: k.units, bits: k.unitBits), bits: k.unitBits,
        comment: "\(name): weight signs, [tap][word][out], bit 1 = +1")
    case .floatBaselineConv(let k):
      let w = binaryShared(fused!, graph, withWeightScale: false)
      epilogue(kernel.epilogue)
      symbols[.weights] = pool.floats(
        "\(base)_weight", w.paddedFloatWeights(outPerGroup: k.paddedOutPerGroup),
        comment: "\(name): weights as float32 +-a, outputs padded to a multiple of 4")
    case .floatConv(let k):
      guard case .primitive(let id) = kernel.node.body, let conv = graph[id].op.convolution
      else { preconditionFailure("a float convolution kernel without its convolution") }
      epilogue(kernel.epilogue)
      if k.gathers {
        // [input channel · tap][output], so that the inner loop runs across outputs.
        let depth = conv.inChannelsPerGroup * conv.window.taps
        var transposed = [Float](repeating: 0, count: conv.weight.count)
        for o in 0..<conv.outChannels {
          for d in 0..<depth { transposed[d * conv.outChannels + o] = conv.weight[o * depth + d] }
        }
        symbols[.weights] = pool.floats(
          "\(base)_weight", transposed, comment: "\(name): Conv2d weight, [input, tap][output]")
      } else {
        symbols[.weights] = pool.floats(
          "\(base)_weight", conv.weight, comment: "\(name): Conv2d weight")
      }
      symbols[.bias] = pool.floats(
        "\(base)_bias", conv.bias ?? [Float](repeating: 0, count: conv.outChannels),
        comment: "\(name): Conv2d bias")
    case .elementwise(let lone, _):
      epilogue([lone] + kernel.epilogue)
    case .avgPool, .adaptiveAvgPool, .resizeBilinear, .upsampleNearest, .add, .concat,
      .channelBypass, .attention, .attentionBaseline, .imageToTokens, .tokensToImage,
      .sliceTokens, .appendTokenToRows, .channelBypass1D:
      epilogue(kernel.epilogue)
    case .binaryLinear(let k):
      let linear = primitive(kernel, graph, as: BinaryLinear.self) {
        if case .binaryLinear(let l) = $0 { return l } else { return nil }
      }
      linearShared(linear)
      epilogue(kernel.epilogue)
      let (negative, nonzero) = Self.weightPlanes(linear, k)
      symbols[.weights] = pool.words(
        "\(base)_negative", negative, bits: k.inputLayout.wordBits,
        comment: "\(name): weight signs, [word][output] bits set where -1")
      if !k.denseWeights {
        symbols[.weightMask] = pool.words(
          "\(base)_nonzero", nonzero, bits: k.inputLayout.wordBits,
          comment: "\(name): weight signs, [word][output] bits set where not 0")
      }
    case .binaryLinearBaseline(let k):
      let linear = primitive(kernel, graph, as: BinaryLinear.self) {
        if case .binaryLinear(let l) = $0 { return l } else { return nil }
      }
      linearShared(linear)
      epilogue(kernel.epilogue)
      let signs = linear.weightSigns
      var weights = [Float](repeating: 0, count: signs.count)
      for o in 0..<k.outFeatures {
        for i in 0..<k.inFeatures {
          weights[i * k.outFeatures + o] = Float(signs[o * k.inFeatures + i]) * linear.scale[o]
        }
      }
      symbols[.weights] = pool.floats(
        "\(base)_weight", weights,
        comment: "\(name): weights as float32 +-scale or 0, [input][output]")
    case .layerNorm:
      let norm = primitive(kernel, graph, as: LayerNorm.self) {
        if case .layerNorm(let n) = $0 { return n } else { return nil }
      }
      symbols[.multiplier] = pool.floats(
        "\(base)_weight", norm.weight, comment: "\(name): LayerNorm weight")
      symbols[.offset] = pool.floats(
        "\(base)_bias", norm.bias, comment: "\(name): LayerNorm bias")
      epilogue(kernel.epilogue)
    case .prependToken, .addConstant:
      let values = primitive(kernel, graph, as: [Float].self) {
        switch $0 {
        case .prependToken(let v), .addConstant(let v): return v
        default: return nil
        }
      }
      var what = "the constant added, in the output's layout"
      if case .prependToken = kernel.kind { what = "the token put first" }
      symbols[.constant] = pool.floats("\(base)_constant", values, comment: "\(name): \(what)")
      epilogue(kernel.epilogue)
    case .resizeAntialiased(let k):
      for (axis, weights) in [k.across, k.down].enumerated() {
        symbols[.resizeStarts(axis: axis)] = pool.words(
          "\(base)_start\(axis)", weights.starts.map { UInt64($0) }, bits: 32,
          comment: "\(name): first input of each output's window, "
            + (axis == 0 ? "across" : "down"))
        symbols[.resizeWeights(axis: axis)] = pool.floats(
          "\(base)_weight\(axis)", weights.weights.flatMap { $0 },
          comment: "\(name): window weights, \(weights.taps) per output, "
            + (axis == 0 ? "across" : "down"))
      }
      epilogue(kernel.epilogue)
    }
  }

  /// The op of a kernel's lone primitive, as `T`.
  func primitive<T>(_ kernel: Kernel, _ graph: Graph, as: T.Type, _ pick: (Op) -> T?) -> T {
    guard case .primitive(let id) = kernel.node.body, let value = pick(graph[id].op) else {
      preconditionFailure("\(kernel.node.name): the kernel does not match its op")
    }
    return value
  }

  /// A binary linear layer's scale, bias and move.
  mutating func linearShared(_ linear: BinaryLinear) {
    symbols[.multiplier] = pool.floats(
      "\(base)_scale", linear.scale, comment: "\(name): scale per output")
    symbols[.offset] = pool.floats("\(base)_bias", linear.bias, comment: "\(name): bias per output")
    if let move = linear.move {
      symbols[.move] = pool.floats(
        "\(base)_move", move, comment: "\(name): move, added to the input before its sign")
    }
  }

  /// The weight signs of a binary linear layer as two planes in the input's layout, turned to
  /// [word][output] (outputs padded to the kernel's block) so that the inner loop runs across
  /// outputs: the negative plane (bit set where the sign is −1) and the nonzero plane.
  static func weightPlanes(_ linear: BinaryLinear, _ k: BinaryLinearKernel) -> (
    negative: [UInt64], nonzero: [UInt64]
  ) {
    let layout = k.inputLayout
    let signs = linear.weightSigns
    var negative = [UInt64](repeating: 0, count: layout.rowWords * k.paddedOutFeatures)
    var nonzero = negative
    for o in 0..<linear.outFeatures {
      for c in 0..<linear.inFeatures {
        let sign = signs[o * linear.inFeatures + c]
        guard sign != 0 else { continue }
        let (word, bit) = layout.position(of: c)
        let index = word * k.paddedOutFeatures + o
        nonzero[index] |= 1 << UInt64(bit)
        if sign < 0 { negative[index] |= 1 << UInt64(bit) }
      }
    }
    return (negative, nonzero)
  }

  /// The arrays every binary convolution reads: the DAB's parameters first, then the folded
  /// BatchNorm (with the weight scale, unless the kernel's weights carry it as ±a).
  mutating func binaryShared(_ fused: FusedBinaryConv, _ graph: Graph, withWeightScale: Bool)
    -> BinaryConvWeights
  {
    let w = BinaryConvWeights(fused, in: graph)
    let b = w.binarizer
    symbols[.dabParameters] = pool.floats(
      "\(base)_dab", b.alpha + b.k + b.b,
      comment: "\(name): DAB alpha[\(b.alpha.count)], k, b")
    symbols[.multiplier] = pool.floats(
      "\(base)_mul", withWeightScale ? w.multiplier : w.batchNormScale,
      comment: "\(name): " + (withWeightScale ? "a * " : "") + "BN scale per output")
    symbols[.offset] = pool.floats(
      "\(base)_add", w.offset, comment: "\(name): bias and BN shift per output")
    return w
  }

  /// The vectors of the epilogue's ops, named by node and role: `k3_n45_shift`.
  mutating func epilogue(_ steps: [EpilogueStep]) {
    for step in steps {
      guard let op = step.op else { continue }
      for (index, vector) in op.channelVectors.enumerated() {
        symbols[.epilogue(step.id, index: index)] = pool.floats(
          "\(base)_n\(step.id)_\(vector.name)", vector.values,
          comment: "\(step.name): \(op.kindName) \(vector.name)")
      }
    }
  }
}

/// The parameters of a fused BiDense convolution as the kernels read them: DAB parameters,
/// the weight signs, and one multiply-add per output channel. Each kernel packs the signs its
/// own way (`bytesAlongChannels`, `nibbles`, `tapBits`); bit 1 always means +1 (sign(0) = +1).
struct BinaryConvWeights {
  var outChannels: Int
  var window: Window
  var transposed: Bool
  var inPerGroup: Int
  var outPerGroup: Int
  var binarizer: Binarizer
  /// Weight signs, [out][tap][input channel within the group]: true for +1.
  var positive: [Bool]
  /// The binary weight scale a: per output channel, or per input channel when transposed.
  var weightScale: [Float]
  /// y_o = acc_o · multiplier_o + offset_o folds the weight scale (per output), the bias and
  /// BatchNorm; acc_o is the sum of ±1 weights times the DAB's ±s (times a_c when transposed).
  var multiplier: [Float]
  var offset: [Float]
  /// The same without the weight scale, for kernels whose weights carry it (±a floats).
  var batchNormScale: [Float]

  /// The parameters of the nodes of `fused` in `graph`.
  init(_ fused: FusedBinaryConv, in graph: Graph) {
    guard case .binarize(let binarizer) = graph[fused.binarize].op,
      case .binaryConv(let conv) = graph[fused.conv].op,
      case .elementwise(.batchNorm(let bn)) = graph[fused.batchNorm].op
    else { preconditionFailure("fusion handed packing a kernel of other ops") }
    self.binarizer = binarizer
    outChannels = conv.outChannels
    window = conv.window
    transposed = conv.transposed
    inPerGroup = conv.inChannelsPerGroup
    outPerGroup = conv.outChannelsPerGroup
    var signs = [Bool](repeating: false, count: conv.outChannels * window.taps * inPerGroup)
    for o in 0..<conv.outChannels {
      for tap in 0..<window.taps {
        for c in 0..<inPerGroup {
          signs[(o * window.taps + tap) * inPerGroup + c] =
            conv.weight[conv.weightIndex(output: o, groupInput: c, tap: tap)] >= 0
        }
      }
    }
    positive = signs
    weightScale = conv.binaryWeightScales
    (multiplier, offset) = BatchNormFold.afterConvolution(
      bn, weightScale: conv.transposed ? nil : weightScale, bias: conv.bias)
    batchNormScale = BatchNormFold.afterConvolution(bn, weightScale: nil, bias: conv.bias).scale
  }

  @inline(__always)
  func sign(_ o: Int, _ tap: Int, _ c: Int) -> Bool {
    positive[(o * window.taps + tap) * inPerGroup + c]
  }

  /// Signs packed 8 channels to a byte: [out][tap][bytesPerTap, by default ceil(inPerGroup / 8)].
  func bytesAlongChannels(bytesPerTap: Int? = nil) -> [UInt8] {
    let perTap = bytesPerTap ?? (inPerGroup + 7) / 8
    var bytes = [UInt8](repeating: 0, count: outChannels * window.taps * perTap)
    for o in 0..<outChannels {
      for tap in 0..<window.taps {
        for c in 0..<inPerGroup where sign(o, tap, c) {
          bytes[(o * window.taps + tap) * perTap + c / 8] |= UInt8(1 << (c % 8))
        }
      }
    }
    return bytes
  }

  /// Signs as 4-bit table indices, one per (tap, quad of channels), two to a byte (the even
  /// index in the low nibble): [out][ceil(taps · quads / 2) bytes]. Channels past the group's
  /// end (when it is not a multiple of 4) get bit 0; their activations are 0.
  func nibbles() -> [UInt8] {
    let quads = (inPerGroup + 3) / 4
    let perOutput = (window.taps * quads + 1) / 2
    var bytes = [UInt8](repeating: 0, count: outChannels * perOutput)
    for o in 0..<outChannels {
      for tap in 0..<window.taps {
        for c in 0..<inPerGroup where sign(o, tap, c) {
          let index = tap * quads + c / 4
          bytes[o * perOutput + index / 2] |= UInt8(1 << (c % 4 + 4 * (index % 2)))
        }
      }
    }
    return bytes
  }

  /// For a depthwise convolution: each channel's taps as bits, row-major over the kernel,
  /// in ceil(taps / 8) bytes per channel.
  func tapBits() -> [UInt8] {
    let perChannel = (window.taps + 7) / 8
    var bytes = [UInt8](repeating: 0, count: outChannels * perChannel)
    for o in 0..<outChannels {
      for tap in 0..<window.taps where sign(o, tap, 0) {
        bytes[o * perChannel + tap / 8] |= UInt8(1 << (tap % 8))
      }
    }
    return bytes
  }

  /// Signs as units of `bits` along channels, `count` per tap: [out][tap][unit], bit k of
  /// unit u for channel u · bits + k of the group.
  func unitsAlongChannels(bits: Int, count: Int) -> [UInt64] {
    var units = [UInt64](repeating: 0, count: outChannels * window.taps * count)
    for o in 0..<outChannels {
      for tap in 0..<window.taps {
        for c in 0..<inPerGroup where sign(o, tap, c) {
          units[(o * window.taps + tap) * count + c / bits] |= UInt64(1) << UInt64(c % bits)
        }
      }
    }
    return units
  }

  /// For a depthwise convolution: per tap, words of 32 channels with bit c % 32 of word c / 32
  /// set where channel c's weight is −1, so that `x ^ word` is 1 where the sign agrees with
  /// the weight: [tap][word].
  func negatedTapWords(words: Int) -> [UInt64] {
    var negated = [UInt64](repeating: 0, count: window.taps * words)
    for c in 0..<outChannels {
      for tap in 0..<window.taps where !sign(c, tap, 0) {
        negated[tap * words + c / 32] |= UInt64(1) << UInt64(c % 32)
      }
    }
    return negated
  }

  /// The weights as floats ±a, [out][channel within group · taps], for the float baseline.
  func floatWeights() -> [Float] {
    var weights = [Float](repeating: 0, count: outChannels * inPerGroup * window.taps)
    for o in 0..<outChannels {
      let group = o / outPerGroup
      for c in 0..<inPerGroup {
        let a = transposed ? weightScale[group * inPerGroup + c] : weightScale[o]
        for tap in 0..<window.taps {
          weights[(o * inPerGroup + c) * window.taps + tap] = sign(o, tap, c) ? a : -a
        }
      }
    }
    return weights
  }
}

extension BinaryConvWeights {
  /// Signs as words of `bits` along channels, `units` per tap, turned to [tap][word][out] so
  /// that a kernel's inner loop runs across output channels. Byte j of a word holds bits
  /// 8j ..< 8j + 8: the same bit for the same channel as the DAB's words, whatever the
  /// machine's byte order.
  func wordsAcrossOutputs(units: Int, bits: Int) -> [UInt64] {
    let bytes = bytesAlongChannels(bytesPerTap: units * bits / 8)
    let perWord = bits / 8
    let words = stride(from: 0, to: bytes.count, by: perWord).map { start in
      (0..<perWord).reduce(UInt64(0)) { $0 | UInt64(bytes[start + $1]) << (8 * $1) }
    }
    let perOutput = window.taps * units
    var transposed = [UInt64](repeating: 0, count: words.count)
    for o in 0..<outChannels {
      for k in 0..<perOutput { transposed[k * outChannels + o] = words[o * perOutput + k] }
    }
    return transposed
  }

  /// The weights as floats ±a, [group][output padded to `outPerGroup`][channel · taps]; the
  /// padding rows are 0.
  func paddedFloatWeights(outPerGroup padded: Int) -> [Float] {
    let weights = floatWeights()
    let depth = inPerGroup * window.taps
    let groups = outChannels / outPerGroup
    var result = [Float](repeating: 0, count: groups * padded * depth)
    for g in 0..<groups {
      for o in 0..<outPerGroup {
        let from = (g * outPerGroup + o) * depth
        let to = (g * padded + o) * depth
        result.replaceSubrange(to..<(to + depth), with: weights[from..<(from + depth)])
      }
    }
    return result
  }
}
