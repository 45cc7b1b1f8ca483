/// A fused BiDense convolution reduced to what the C needs: DAB parameters, weight signs
/// packed to bits, and one multiply-add per output channel.
///
/// Bit layout. Input channels are split by convolution group; within a group they are packed
/// 8 to a byte, `bytesPerGroup` bytes. A byte's table has 2^`tableBits` entries (8 bits, or
/// fewer for groups of under 8 channels). Weight bits are stored [out][tap][byte], bit i of
/// byte q meaning input channel 8q + i of the group; bit 1 means +1 (sign(0) = +1).
public struct PackedBinaryConv: Sendable {
  public var inShape: TensorShape
  public var outShape: TensorShape
  public var window: Window
  public var transposed: Bool
  public var groups: Int
  public var inPerGroup: Int
  public var outPerGroup: Int
  public var bytesPerGroup: Int
  public var tableBits: Int
  public var binarizer: Binarizer
  public var weightBits: [UInt8]
  /// The transposed convolution's weight scale, one per input channel; nil otherwise.
  public var inputScale: [Float]?
  /// y_o = acc_o · multiplier_o + offset_o folds the weight scale, the bias and BatchNorm.
  public var multiplier: [Float]
  public var offset: [Float]
  public var bypass: (plan: ChannelBypassPlan, source: FusedBinaryConv.BypassSource)?

  public var tableEntries: Int { 1 << tableBits }
  /// Bytes of activation bits per pixel.
  public var bytesPerPixel: Int { groups * bytesPerGroup }

  /// Packs the nodes of `fused` from `graph`.
  public init(_ fused: FusedBinaryConv, in graph: Graph) {
    guard case .binarize(let binarizer) = graph[fused.binarize].op,
      case .binaryConv(let conv) = graph[fused.conv].op,
      case .batchNorm(let bn) = graph[fused.batchNorm].op
    else { preconditionFailure("fusion handed packing a kernel of other ops") }
    self.binarizer = binarizer
    inShape = graph[graph[fused.binarize].inputs[0]].shape
    outShape = graph[fused.batchNorm].shape
    window = conv.window
    transposed = conv.transposed
    groups = conv.groups
    inPerGroup = conv.inChannelsPerGroup
    outPerGroup = conv.outChannelsPerGroup
    bytesPerGroup = (inPerGroup + 7) / 8
    tableBits = min(8, inPerGroup)

    var bits = [UInt8](repeating: 0, count: conv.outChannels * window.taps * bytesPerGroup)
    for o in 0..<conv.outChannels {
      for tap in 0..<window.taps {
        for c in 0..<inPerGroup
        where conv.weight[conv.weightIndex(output: o, groupInput: c, tap: tap)] >= 0 {
          bits[(o * window.taps + tap) * bytesPerGroup + c / 8] |= UInt8(1 << (c % 8))
        }
      }
    }
    weightBits = bits

    let scales = Interpreter.binaryWeightScales(conv)
    inputScale = conv.transposed ? scales : nil
    multiplier = []
    offset = []
    (multiplier, offset) = BatchNormFold.afterConvolution(
      bn, weightScale: conv.transposed ? nil : scales, bias: conv.bias)
    if let (node, source) = fused.bypass {
      let inChannels = graph[graph[node].inputs[0]].shape.channels
      // The builder validated this plan when it made the node.
      let plan = try! ChannelBypassPlan(
        inChannels: inChannels, outChannels: conv.outChannels, node: graph[node].name)
      bypass = (plan, source)
    }
  }
}

/// BatchNorm folded into one multiply-add per channel, computed in double.
enum BatchNormFold {
  /// y = x · scale + shift with scale = γ/σ and shift = β − mean · γ/σ.
  static func perChannel(_ bn: BatchNorm) -> (scale: [Float], shift: [Float]) {
    afterConvolution(bn, weightScale: nil, bias: nil)
  }

  /// BN(a·acc + bias) = acc · (a·γ/σ) + ((bias − mean)·γ/σ + β).
  static func afterConvolution(_ bn: BatchNorm, weightScale: [Float]?, bias: [Float]?) -> (
    scale: [Float], shift: [Float]
  ) {
    var scale: [Float] = []
    var shift: [Float] = []
    for o in bn.weight.indices {
      let gamma = Double(bn.weight[o]) / Double((bn.runningVar[o] + bn.epsilon).squareRoot())
      let a = weightScale.map { Double($0[o]) } ?? 1
      let b = Double(bias?[o] ?? 0)
      scale.append(Float(a * gamma))
      shift.append(Float((b - Double(bn.runningMean[o])) * gamma + Double(bn.bias[o])))
    }
    return (scale, shift)
  }
}
