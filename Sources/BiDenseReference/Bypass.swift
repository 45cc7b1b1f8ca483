import BiDenseIR

extension Interpreter {
  /// The Channel-adaptive Full-precision Bypass: copies and means of input channels.
  public static func channelBypass(_ x: Tensor, outChannels: Int) -> Tensor {
    // The builder validated the channel counts; a failure here is a compiler bug.
    let plan = try! ChannelBypassPlan(
      inChannels: x.shape.channels, outChannels: outChannels, node: "")
    let pixels = x.shape.pixels
    var out = Tensor(
      zeros: TensorShape(channels: outChannels, height: x.shape.height, width: x.shape.width))
    for (o, source) in plan.sources.enumerated() {
      for p in 0..<pixels {
        var sum: Float = 0
        for k in 0..<source.count {
          sum += x.data[(source.start + k * source.stride) * pixels + p]
        }
        out.data[o * pixels + p] = sum / Float(source.count)
      }
    }
    return out
  }
}

extension Interpreter {
  /// `channel_adaptive_bypass_1d` on tokens: copies, then means of contiguous runs of
  /// channels, each a float32 sum in order divided by its count.
  public static func channelBypass1D(_ x: Tensor, outChannels: Int) -> Tensor {
    // The builder validated the channel counts; a failure here is a compiler bug.
    let plan = try! ChannelBypassPlan(
      inChannels: x.shape.channels, outChannels: outChannels, contiguous: true, node: "")
    let channels = x.shape.channels
    var out = Tensor(zeros: TensorShape(tokens: x.shape.tokens, channels: outChannels))
    for t in 0..<x.shape.tokens {
      for (o, source) in plan.sources.enumerated() {
        var sum: Float = 0
        for k in 0..<source.count { sum += x.data[t * channels + source.start + k * source.stride] }
        out.data[t * outChannels + o] = sum / Float(source.count)
      }
    }
    return out
  }
}
