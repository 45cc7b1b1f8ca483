import BiDenseIR

/// How a value is kept in memory between the kernel that writes it and those that read it.
public enum ValueStorage: Sendable, Equatable {
  /// float32, in the shape's layout.
  case floats
  /// Only its ternary signs, packed (TernaryLayout): what a binary linear or the attention
  /// reads of its input, computed once by the value's producer.
  case ternary(TernaryLayout)

  public var ternary: TernaryLayout? {
    if case .ternary(let layout) = self { return layout }
    return nil
  }
}

/// Ternary signs of tokens [T, C], packed: per token row, `rowWords` words of the nonzero
/// plane (bit set where the sign is not 0), then `rowWords` words of the negative plane (bit
/// set where it is −1). The channels are cut into segments of `segment` (a head's width for
/// the attention's q, k and v; all of them otherwise), each starting a new word, so that a
/// segment is whole words; bits past a segment's end are 0 in both planes.
public struct TernaryLayout: Sendable, Equatable {
  public var tokens: Int
  public var channels: Int
  public var segment: Int
  public var wordBits: Int

  public init(tokens: Int, channels: Int, segment: Int? = nil, wordBits: Int) {
    self.tokens = tokens
    self.channels = channels
    self.segment = segment ?? channels
    self.wordBits = wordBits
  }

  public var segments: Int { channels / segment }
  public var segmentWords: Int { (segment + wordBits - 1) / wordBits }
  /// Words of one plane of one row.
  public var rowWords: Int { segments * segmentWords }
  /// Words from one row to the next (both planes).
  public var rowStride: Int { 2 * rowWords }
  public var bytes: Int { tokens * rowStride * wordBits / 8 }

  /// The word (within a plane of a row) and bit of channel `c`.
  public func position(of c: Int) -> (word: Int, bit: Int) {
    (c / segment * segmentWords + c % segment / wordBits, c % segment % wordBits)
  }

  /// "2 planes of 3 64-bit words per token".
  public var description: String {
    "2 planes of \(plural(rowWords, "\(wordBits)-bit word")) per token"
      + (segments > 1 ? " (\(segments) segments of \(segment))" : "")
  }
}

/// A binary linear layer on tokens: per token, the input's ternary signs as two bit planes
/// (read from the producer, or packed here from floats with the `move`), and per output the
/// exact dot with the ternary weight signs by and/xor-popcount:
///
///     dot = popcount(nonzero_x ∧ nonzero_w) − 2 · popcount(nonzero_x ∧ nonzero_w ∧ (neg_x ⊕ neg_w))
///
/// When no weight sign is 0 (the usual case) the weights' nonzero plane is left out and the
/// first count is the input row's, counted once. The scale and bias, the epilogue and the
/// next sign (when the output is stored ternary) are applied as each output is stored.
public struct BinaryLinearKernel: Sendable {
  public var tokens: Int
  public var inFeatures: Int
  public var outFeatures: Int
  /// The layout of the input's planes: the producer's, or the kernel's own packing of floats.
  public var inputLayout: TernaryLayout
  /// The input arrives as floats and the kernel packs each row (after adding `move`).
  public var packsInput: Bool
  public var hasMove: Bool
  /// No weight sign is 0: the weights carry no nonzero plane.
  public var denseWeights: Bool
  public var output: ValueStorage
  /// The output is stored ternary and its last epilogue step is GELU: the sign of GELU(h) is
  /// decided from h (GELUSign), without evaluating erf.
  public var geluSign: Bool
  /// Outputs accumulated per vector step in the AVX-512 path, and output counts padded to it
  /// in the weight planes.
  public static let outputBlock = 8
  public var paddedOutFeatures: Int
  public var scratch = ScratchLayout()
  public var rowOffset = 0
  public var countOffset = 0
  /// A row of output values before their signs are packed (ternary output only).
  public var valueOffset = 0

  init(
    _ linear: BinaryLinear, tokens: Int, input: ValueStorage, output: ValueStorage,
    geluSign: Bool, target: KernelTarget
  ) {
    self.tokens = tokens
    inFeatures = linear.inFeatures
    outFeatures = linear.outFeatures
    hasMove = linear.move != nil
    if let layout = input.ternary, !hasMove {
      inputLayout = layout
      packsInput = false
    } else {
      inputLayout = TernaryLayout(tokens: 1, channels: inFeatures, wordBits: target.wordBits)
      packsInput = true
    }
    denseWeights = !linear.weightSigns.contains(0)
    self.output = output
    self.geluSign = geluSign
    paddedOutFeatures =
      (outFeatures + Self.outputBlock - 1) / Self.outputBlock * Self.outputBlock
    rowOffset = scratch.reserve(packsInput ? inputLayout.rowStride * target.wordBits / 8 : 0)
    countOffset = scratch.reserve(target.wordBits / 8 * (denseWeights ? 1 : 2) * paddedOutFeatures)
    valueOffset = scratch.reserve(output.ternary != nil ? 4 * outFeatures : 0)
  }

  public var multiplyAccumulates: Int { tokens * inFeatures * outFeatures }
}

/// The binary attention, a query row at a time: per head, the keys' planes gathered
/// contiguous and the values' signs expanded to int8; per query, the integer scores against
/// every key (and/xor-popcount), their maximum, then the sum of the kept keys' values. Memory
/// stays linear in the token count: no [T, T] matrix.
public struct AttentionKernel: Sendable {
  public var tokens: Int
  public var heads: Int
  public var headDim: Int
  /// K = ⌊ln 4·√hd⌋.
  public var keepMargin: Int
  /// q, k and v's planes: a segment per head.
  public var inputLayout: TernaryLayout
  /// The input arrives as floats and the kernel packs it first.
  public var packsInput: Bool
  public var output: ValueStorage
  public var scratch = ScratchLayout()
  public var packedOffset = 0
  public var keyOffset = 0
  public var valueOffset = 0
  public var scoreOffset = 0
  public var countOffset = 0

  init(
    heads: Int, input qkv: TensorShape, storage: ValueStorage, output: ValueStorage,
    target: KernelTarget
  ) {
    tokens = qkv.tokens
    self.heads = heads
    headDim = qkv.channels / 3 / heads
    keepMargin = BinaryAttention.keepMargin(headDim: headDim)
    if let layout = storage.ternary, layout.segment == headDim {
      inputLayout = layout
      packsInput = false
    } else {
      inputLayout = TernaryLayout(
        tokens: tokens, channels: qkv.channels, segment: headDim, wordBits: target.wordBits)
      packsInput = true
    }
    self.output = output
    let bytes = target.wordBits / 8
    packedOffset = scratch.reserve(packsInput ? inputLayout.bytes : 0)
    keyOffset = scratch.reserve(tokens * 2 * inputLayout.segmentWords * bytes)
    valueOffset = scratch.reserve(tokens * headDim)
    scoreOffset = scratch.reserve(4 * tokens)
    countOffset = scratch.reserve(4 * headDim)
  }

  /// Score word operations: every query against every key, per head.
  public var multiplyAccumulates: Int { heads * tokens * tokens * headDim }
}

/// LayerNorm per token, with its epilogue (a residual, elementwise ops) and, when its only
/// readers binarize it, its ternary signs stored instead of floats.
public struct LayerNormKernel: Sendable {
  public var tokens: Int
  public var channels: Int
  public var epsilon: Float
  public var output: ValueStorage
  public var compensatedLanes: Int
}

/// The binary linear layer of the float32 baseline (`bench`): the input's ternary signs as
/// floats, weights ±scale or 0 as floats, a float dot product per output.
public struct BinaryLinearBaselineKernel: Sendable {
  public var tokens: Int
  public var inFeatures: Int
  public var outFeatures: Int
  public var hasMove: Bool
  public var scratch = ScratchLayout()

  init(_ linear: BinaryLinear, tokens: Int) {
    self.tokens = tokens
    inFeatures = linear.inFeatures
    outFeatures = linear.outFeatures
    hasMove = linear.move != nil
    _ = scratch.reserve(4 * 4 * (inFeatures + outFeatures))
  }

  public var multiplyAccumulates: Int { tokens * inFeatures * outFeatures }
}

/// The attention of the float32 baseline (`bench`), as PyTorch computes it: float q, k, v
/// signs, float scores scaled by hd^−½, a softmax with exp per query row, the ¼-of-maximum
/// mask, and the masked weights times v as a float product.
public struct AttentionBaselineKernel: Sendable {
  public var tokens: Int
  public var heads: Int
  public var headDim: Int
  public var scratch = ScratchLayout()

  init(heads: Int, input qkv: TensorShape) {
    tokens = qkv.tokens
    self.heads = heads
    headDim = qkv.channels / 3 / heads
    _ = scratch.reserve(4 * (qkv.count + tokens + headDim * tokens))
  }

  public var multiplyAccumulates: Int { 2 * heads * tokens * tokens * headDim }
}

/// Rows of tokens taken from one input (a slice), or one token put first (prepend).
public struct TokenRowsKernel: Sendable {
  public var input: TensorShape
  public var output: TensorShape
  /// The first input row copied (slice), or the output row the input starts at (prepend).
  public var offset: Int
}

/// torchvision's antialiased resize: per axis, output positions with their window's start
/// and weights (AntialiasedResizeAxis), applied across, then down.
public struct AntialiasedResizeKernel: Sendable {
  public var input: TensorShape
  public var output: TensorShape
  public var across: AntialiasedResizeAxis
  public var down: AntialiasedResizeAxis
  public var scratch = ScratchLayout()

  init(input: TensorShape, output: TensorShape) {
    self.input = input
    self.output = output
    across = AntialiasedResizeAxis(input: input.width, output: output.width)
    down = AntialiasedResizeAxis(input: input.height, output: output.height)
    _ = scratch.reserve(4 * input.channels * input.height * output.width)
  }
}
