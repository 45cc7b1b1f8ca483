/// Where each output channel of a Channel-adaptive Full-precision Bypass comes from: the mean
/// of `count` input channels starting at `start`, `stride` apart (a copy when count is 1).
public struct ChannelBypassPlan: Sendable, Equatable {
  public struct Source: Sendable, Equatable {
    public var start: Int
    public var stride: Int
    public var count: Int
  }

  public var inChannels: Int
  public var outChannels: Int
  public var sources: [Source]
  /// Output channels that copy an input channel: `repeat` · inChannels.
  public var copies: Int
  /// Output channels that are strided means (merge − 1), and how many inputs each averages.
  public var stridedMeans: Int
  public var stridedCount: Int
  /// The 1-D form (`channel_adaptive_bypass_1d`): the merge − 1 means take contiguous runs
  /// of input channels instead of strided ones.
  public var contiguous: Bool

  /// The docs/SEMANTICS.md "CFB" rule: `repeat` copies, then `merge − 1` strided means and one
  /// mean of the remaining channels. `merge == 1` makes PyTorch raise, so it is rejected. The
  /// `contiguous` form, for tokens, averages runs of `in / merge` neighbouring channels.
  public init(inChannels: Int, outChannels: Int, contiguous: Bool = false, node: String) throws {
    guard inChannels > 0, outChannels > 0 else {
      throw BiDenseError(
        node: node, "bypass from \(inChannels) to \(outChannels) channels is empty")
    }
    let repeats = outChannels / inChannels
    let merge = outChannels % inChannels
    guard merge != 1 else {
      throw BiDenseError(
        node: node,
        "bypass from \(inChannels) to \(outChannels) channels has merge == 1 "
          + "(\(outChannels) % \(inChannels) == 1), which PyTorch rejects")
    }
    var sources: [Source] = []
    for _ in 0..<repeats {
      for c in 0..<inChannels { sources.append(Source(start: c, stride: 1, count: 1)) }
    }
    if merge > 0 {
      let m = merge - 1
      let regular = (inChannels / merge) * m
      for j in 0..<m {
        sources.append(
          contiguous
            ? Source(start: j * (regular / m), stride: 1, count: regular / m)
            : Source(start: j, stride: m, count: regular / m))
      }
      sources.append(Source(start: regular, stride: 1, count: inChannels - regular))
    }
    self.inChannels = inChannels
    self.outChannels = outChannels
    self.sources = sources
    copies = repeats * inChannels
    stridedMeans = max(0, merge - 1)
    stridedCount = merge > 1 ? inChannels / merge : 0
    self.contiguous = contiguous
  }
}
