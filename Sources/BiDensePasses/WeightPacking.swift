import BiDenseIR

/// A fused BiDense convolution reduced to what the C needs: DAB parameters, the weight signs,
/// and one multiply-add per output channel. Each kernel variant packs the signs its own way
/// (`bytesAlongChannels`, `nibbles`, `tapBits`); bit 1 always means +1 (sign(0) = +1).
public struct PackedBinaryConv: Sendable {
  public var inShape: TensorShape
  public var outShape: TensorShape
  public var window: Window
  public var transposed: Bool
  public var groups: Int
  public var inPerGroup: Int
  public var outPerGroup: Int
  public var binarizer: Binarizer
  /// Weight signs, [out][tap][input channel within the group]: true for +1.
  public var positive: [Bool]
  /// The binary weight scale a: per output channel, or per input channel when transposed.
  public var weightScale: [Float]
  /// y_o = acc_o · multiplier_o + offset_o folds the weight scale (per output), the bias and
  /// BatchNorm; acc_o is the sum of ±1 weights times the DAB's ±s (times a_c when transposed).
  public var multiplier: [Float]
  public var offset: [Float]
  /// The same without the weight scale, for kernels whose weights carry it (±a floats).
  public var batchNormScale: [Float]
  public var bypass: (plan: ChannelBypassPlan, source: FusedBinaryConv.BypassSource)?

  public var isDepthwise: Bool {
    groups == inShape.channels && groups == outShape.channels && !transposed
  }

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
    if let (node, source) = fused.bypass {
      let inChannels = graph[graph[node].inputs[0]].shape.channels
      // The builder validated this plan when it made the node.
      let plan = try! ChannelBypassPlan(
        inChannels: inChannels, outChannels: conv.outChannels, node: graph[node].name)
      bypass = (plan, source)
    }
  }

  @inline(__always)
  func sign(_ o: Int, _ tap: Int, _ c: Int) -> Bool {
    positive[(o * window.taps + tap) * inPerGroup + c]
  }

  /// Signs packed 8 channels to a byte: [out][tap][bytesPerTap, by default ceil(inPerGroup / 8)].
  public func bytesAlongChannels(bytesPerTap: Int? = nil) -> [UInt8] {
    let perTap = bytesPerTap ?? (inPerGroup + 7) / 8
    var bytes = [UInt8](repeating: 0, count: outShape.channels * window.taps * perTap)
    for o in 0..<outShape.channels {
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
  public func nibbles() -> [UInt8] {
    let quads = (inPerGroup + 3) / 4
    let perOutput = (window.taps * quads + 1) / 2
    var bytes = [UInt8](repeating: 0, count: outShape.channels * perOutput)
    for o in 0..<outShape.channels {
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
  public func tapBits() -> [UInt8] {
    let perChannel = (window.taps + 7) / 8
    var bytes = [UInt8](repeating: 0, count: outShape.channels * perChannel)
    for o in 0..<outShape.channels {
      for tap in 0..<window.taps where sign(o, tap, 0) {
        bytes[o * perChannel + tap / 8] |= UInt8(1 << (tap % 8))
      }
    }
    return bytes
  }

  /// The weights as floats ±a, [out][channel within group · taps], for the float baseline.
  public func floatWeights() -> [Float] {
    var weights = [Float](repeating: 0, count: outShape.channels * inPerGroup * window.taps)
    for o in 0..<outShape.channels {
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
