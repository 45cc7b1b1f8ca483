import BiDenseIR

/// Depthwise binary convolutions on 32-bit cores, bit-sliced across channels: the DAB signs of
/// 32 channels packed in a word per pixel; per output pixel and tap one XOR with the negated
/// weight signs gives 32 agreements, masked where the tap lies in the padding, and carry-save
/// adders count them into bit-planes of per-channel counts. The depthwise scale factors out of
/// the window sum, so `2 · count − valid taps` is the exact signed sum.
public struct DepthwiseBitsKernel: Sendable {
  /// Bit-planes of the counts: a count up to 63 fits.
  public static let countBits = 6
  public static let maxTaps = (1 << countBits) - 1

  /// Depthwise, a window of at most 63 taps, and a bypass that is the input itself or none
  /// (the only depthwise bypass BiDense has): the kernel writes the store itself.
  public static func applies(_ g: BinaryConvGeometry) -> Bool {
    guard g.isDepthwise, g.window.taps <= maxTaps else { return false }
    guard let (_, source) = g.bypass else { return true }
    if case .input = source { return true }
    return false
  }

  public var geometry: BinaryConvGeometry
  public var planes: BitPlanes
  public var dab: DABLayout { .bitPlanes(planes) }
  /// Words of 32 channels per pixel, and the channels of the last one.
  public var words: Int
  public var lastWordChannels: Int
  /// The channels of every word but a partial last one.
  public var wordChannels: Int { words == 1 ? lastWordChannels : 32 }
  /// The last word holds fewer channels than the others.
  public var partialLastWord: Bool { words > 1 && lastWordChannels < 32 }
  /// The channels come in whole fours: the four stores of a word's quad are unrolled.
  public var wholeQuads: Bool
  /// How one kernel row's masked agreement words are added into the counters.
  public var rowAdder: [CarrySaveStep]
  public var scratch = ScratchLayout()
  public var scaleOffset = 0

  init(_ geometry: BinaryConvGeometry) {
    self.geometry = geometry
    let w = geometry.window
    let channels = geometry.inShape.channels
    words = (channels + 31) / 32
    lastWordChannels = channels - 32 * (words - 1)
    let planeHeight = (geometry.outShape.height - 1) * w.strideH + (w.kernelH - 1) * w.dilationH + 1
    let planeWidth = (geometry.outShape.width - 1) * w.strideW + (w.kernelW - 1) * w.dilationW + 1
    planes = BitPlanes(
      unitBits: 32, groups: 1, groupChannels: channels, unitsPerPixel: words,
      planeHeight: planeHeight, planeWidth: planeWidth, top: w.padH, left: w.padW,
      height: min(geometry.inShape.height, planeHeight - w.padH),
      width: min(geometry.inShape.width, planeWidth - w.padW))
    wholeQuads = channels % 4 == 0
    rowAdder = CarrySaveStep.tree(adding: w.kernelW, into: Self.countBits)
    _ = scratch.reserve(4 * planes.units)
    scaleOffset = scratch.reserve(4 * channels)
  }
}

/// A term of the bit-sliced count: counter bit-plane k, the agreement word of kernel column j,
/// or a temporary of the adder tree.
public enum CountTerm: Sendable, Equatable {
  case counter(Int)
  case agreement(Int)
  case temporary(Int)
}

/// One step of the adder tree that adds a kernel row's agreement words into the counters.
public enum CarrySaveStep: Sendable, Equatable {
  /// A full adder: `partial = a ^ b`, `sum = partial ^ c`, and, below the top plane,
  /// `carry = (a & b) | (partial & c)` into the next weight.
  case full(a: CountTerm, b: CountTerm, c: CountTerm, partial: Int, sum: Int, carry: Int?)
  /// A half adder: `sum = a ^ b`, and, below the top plane, `carry = a & b`.
  case half(a: CountTerm, b: CountTerm, sum: Int, carry: Int?)
  /// Counter `counter` takes the one term left at its weight.
  case result(counter: Int, CountTerm)

  /// The steps adding `columns` agreement words into counters of `planes` bit-planes: full
  /// adders on any three terms of one weight, half adders on two, until each weight holds one
  /// term. A carry out of the top plane is dropped: the counts stay below 2^planes.
  static func tree(adding columns: Int, into planes: Int) -> [CarrySaveStep] {
    var terms: [[CountTerm]] = (0..<planes).map { [.counter($0)] }
    terms[0] += (0..<columns).map { .agreement($0) }
    var steps: [CarrySaveStep] = []
    var temporaries = 0
    func fresh() -> Int {
      temporaries += 1
      return temporaries
    }
    for k in 0..<planes {
      while terms[k].count >= 2 {
        let top = k + 1 == planes
        if terms[k].count >= 3 {
          let (a, b, c) = (terms[k][0], terms[k][1], terms[k][2])
          terms[k].removeFirst(3)
          let partial = fresh()
          let sum = fresh()
          let carry = top ? nil : fresh()
          steps.append(.full(a: a, b: b, c: c, partial: partial, sum: sum, carry: carry))
          terms[k].append(.temporary(sum))
          if let carry { terms[k + 1].append(.temporary(carry)) }
        } else {
          let (a, b) = (terms[k][0], terms[k][1])
          terms[k].removeFirst(2)
          let sum = fresh()
          let carry = top ? nil : fresh()
          steps.append(.half(a: a, b: b, sum: sum, carry: carry))
          terms[k].append(.temporary(sum))
          if let carry { terms[k + 1].append(.temporary(carry)) }
        }
      }
    }
    // The counters take their new values once every step has read the old ones.
    for k in 0..<planes where terms[k][0] != .counter(k) {
      steps.append(.result(counter: k, terms[k][0]))
    }
    return steps
  }
}
