import BiDenseIR

/// What every kernel of a fused BiDense convolution shares: the shapes, the window, the
/// grouping, the bypass and whether the DAB's channel sums come from the producer.
public struct BinaryConvGeometry: Sendable {
  public var inShape: TensorShape
  public var outShape: TensorShape
  public var window: Window
  public var transposed: Bool
  public var groups: Int
  public var inPerGroup: Int
  public var outPerGroup: Int
  public var bypass: (plan: ChannelBypassPlan, source: FusedBinaryConv.BypassSource)?
  /// The DAB takes its channel means from the sums its producer wrote after the tensor.
  public var readsChannelSums: Bool
  /// The kernel writes its output's channel sums after the tensor, for the next DAB.
  public var producesChannelSums: Bool

  init(_ fused: FusedBinaryConv, _ node: FusedNode, _ graph: Graph) {
    guard let conv = graph[fused.conv].op.convolution else {
      preconditionFailure("fusion matched a binary convolution without one")
    }
    inShape = graph[graph[fused.binarize].inputs[0]].shape
    outShape = graph[fused.batchNorm].shape
    window = conv.window
    transposed = conv.transposed
    groups = conv.groups
    inPerGroup = conv.inChannelsPerGroup
    outPerGroup = conv.outChannelsPerGroup
    if let (id, source) = fused.bypass {
      let bypassInput = graph[graph[id].inputs[0]].shape.channels
      // The builder validated this plan when it made the node.
      guard
        let plan = try? ChannelBypassPlan(
          inChannels: bypassInput, outChannels: conv.outChannels, node: graph[id].name)
      else { preconditionFailure("the builder accepted an invalid bypass") }
      bypass = (plan, source)
    }
    readsChannelSums = node.readsChannelSums
    producesChannelSums = node.producesChannelSums
  }

  /// One input channel per output channel: the scales factor out of the window sum.
  public var isDepthwise: Bool {
    groups == inShape.channels && groups == outShape.channels && !transposed
  }
}

/// Where a kernel's DAB writes the signs of its input.
public enum DABLayout: Sendable, Equatable {
  /// int8 ±1 in planes of `height` × `width` with a zero border: `top` rows above, `left`
  /// columns before, and `planeHeight` × `planeWidth` in all.
  case signs(height: Int, width: Int, top: Int, left: Int, planeHeight: Int, planeWidth: Int)
  /// Floats ±s, one plane per channel.
  case floats
  /// Bits packed along channels into words of `unitBits`, `unitsPerGroup` per group of
  /// channels per pixel.
  case bits(unitBits: Int, unitsPerGroup: Int)
  /// Bits packed along channels into units, in planes with a zero border (the padding).
  case bitPlanes(BitPlanes)
}

/// Where the DAB's sign bits go for the 32-bit kernels: packed along channels into units of
/// `unitBits`, `unitsPerPixel` per pixel, one plane of `planeHeight` × `planeWidth` pixels per
/// group of `groupChannels` channels (the group's channel k in bit k % unitBits of unit
/// k / unitBits). The input's first `height` rows and `width` columns go `top` rows and `left`
/// columns in; the border holds 0 bits. Rows and columns that no window reads are left out.
public struct BitPlanes: Sendable, Equatable {
  public var unitBits: Int
  public var groups: Int
  public var groupChannels: Int
  public var unitsPerPixel: Int
  public var planeHeight: Int
  public var planeWidth: Int
  public var top: Int
  public var left: Int
  public var height: Int
  public var width: Int

  /// Units in one group's plane, and in all of them.
  public var groupUnits: Int { planeHeight * planeWidth * unitsPerPixel }
  public var units: Int { groups * groupUnits }
}

/// Regions of a kernel's scratch memory, each starting on a 16-byte boundary.
public struct ScratchLayout: Sendable, Equatable {
  public private(set) var bytes = 0

  /// Reserves `size` bytes after the regions so far; returns their offset.
  mutating func reserve(_ size: Int) -> Int {
    let offset = (bytes + 15) / 16 * 16
    bytes = offset + size
    return offset
  }

  /// Grows to at least `size` bytes: another layout of the same scratch.
  mutating func cover(_ size: Int) { bytes = max(bytes, size) }
}

/// Dense binary convolutions, exact: per block of output pixels, tables of the 16 signed sums
/// of each quad of scaled input signs; each output channel adds, per quad and tap, the table
/// row its weight nibble picks (the LUT-4 method). A 1×1 convolution with stride 1 runs over
/// the flattened image.
public struct QuadLookupKernel: Sendable {
  /// Output pixels per block: a table row is this many floats (32 measured faster than 16
  /// or 64 on an AVX2 host, for 1×1 and 3×3 alike).
  public static let block = 32
  /// Output channels accumulated together (the AVX2 and NEON paths take them two at a time).
  public static let outputBlock = 4
  /// The tables of a chunk of quads stay within this many bytes, so within the L1 cache.
  public static let tableBudget = 16 * 1024

  public var geometry: BinaryConvGeometry
  public var dab: DABLayout
  /// A stride-1 1×1 convolution, run over the image as one row.
  public var flat: Bool
  /// The image as the kernel walks it: `blockRows` rows of `blockWidth` output pixels.
  public var blockRows: Int
  public var blockWidth: Int
  /// With stride 1 across, the taps of a kernel row share one table over a wider strip.
  public var sharedRows: Bool
  public var tableWidth: Int
  public var planeHeight: Int
  public var planeWidth: Int
  public var quads: Int
  public var chunkQuads: Int
  /// Output channels rounded up to whole output blocks; the extra ones read zero nibbles.
  public var paddedOutChannels: Int
  /// The AVX-512 path's layout, in the same scratch; nil where the target cannot take that
  /// path.
  public var tiles: QuadLookupTiles?
  /// The DAB makes the bypass's channel means, into scratch at `mergedOffset`.
  public var mergesBypass = false
  public var mergedOffset = 0
  /// Rows of weight nibbles: output channels rounded up for either layout.
  public var weightRows: Int { max(paddedOutChannels, tiles?.paddedOutChannels ?? 0) }
  /// Bytes of weight nibbles per output channel.
  public var nibbleBytes: Int
  public var compensatedLanes: Int
  public var scratch = ScratchLayout()
  public var scaleOffset = 0
  public var tableOffset = 0
  public var accumulatorOffset = 0
  public var lanesOffset = 0

  init(_ geometry: BinaryConvGeometry, _ target: KernelTarget) {
    self.geometry = geometry
    let w = geometry.window
    let inShape = geometry.inShape
    let outShape = geometry.outShape
    let block = Self.block
    flat =
      w.kernelH == 1 && w.kernelW == 1 && w.strideH == 1 && w.strideW == 1 && w.padH == 0
      && w.padW == 0
    blockRows = flat ? 1 : outShape.height
    blockWidth = flat ? outShape.pixels : outShape.width
    let blocks = (blockWidth + block - 1) / block
    sharedRows = w.strideW == 1
    tableWidth = sharedRows ? block + (w.kernelW - 1) * w.dilationW : block
    planeHeight = flat ? 1 : inShape.height + 2 * w.padH
    let readWidth = (blocks * block - 1) * w.strideW + (w.kernelW - 1) * w.dilationW + 1
    planeWidth = max(flat ? inShape.pixels : inShape.width + 2 * w.padW, readWidth)
    dab = .signs(
      height: flat ? 1 : inShape.height, width: flat ? inShape.pixels : inShape.width,
      top: flat ? 0 : w.padH, left: flat ? 0 : w.padW, planeHeight: planeHeight,
      planeWidth: planeWidth)
    quads = (inShape.channels + 3) / 4
    chunkQuads = max(1, min(quads, Self.tableBudget / (16 * 4 * tableWidth)))
    let outputBlock = Self.outputBlock
    paddedOutChannels = (outShape.channels + outputBlock - 1) / outputBlock * outputBlock
    nibbleBytes = (w.taps * quads + 1) / 2
    compensatedLanes = target.compensatedLanes
    _ = scratch.reserve(inShape.channels * planeHeight * planeWidth)
    scaleOffset = scratch.reserve(4 * inShape.channels)
    tableOffset = scratch.reserve(4 * chunkQuads * 16 * tableWidth)
    accumulatorOffset = scratch.reserve(4 * paddedOutChannels * block)
    lanesOffset = scratch.reserve(
      geometry.producesChannelSums ? 4 * 2 * compensatedLanes * outShape.channels : 0)
    if target.avx512Layout {
      let tiles = QuadLookupTiles(geometry, quads: quads, compensatedLanes: compensatedLanes)
      scratch.cover(tiles.bytes)
      self.tiles = tiles
    }
    // A bypass of the input that only averages channels (a 1×1 reduction's): the DAB makes
    // each output channel's mean while the input channel is at hand, and the store reads one
    // mean instead of every input channel of it again.
    if let (plan, source) = geometry.bypass, source == .input, plan.copies == 0 {
      mergesBypass = true
      mergedOffset = scratch.reserve(4 * outShape.channels * inShape.pixels)
    }
  }

}

/// Depthwise binary convolutions: one input channel per output, so the DAB scale and the
/// weight scale factor out of the window sum, which becomes an exact count of sign
/// agreements minus disagreements.
public struct DepthwiseKernel: Sendable {
  public var geometry: BinaryConvGeometry
  public var dab: DABLayout
  public var planeHeight: Int
  public var planeWidth: Int
  /// The narrowest signed integer that holds a window sum: 8, 16 or 32 bits.
  public var accumulatorBits: Int
  public var compensatedLanes: Int
  public var scratch = ScratchLayout()
  public var scaleOffset = 0
  public var lanesOffset = 0

  init(_ geometry: BinaryConvGeometry, _ target: KernelTarget) {
    self.geometry = geometry
    let w = geometry.window
    let inShape = geometry.inShape
    planeHeight = inShape.height + 2 * w.padH
    planeWidth = inShape.width + 2 * w.padW
    dab = .signs(
      height: inShape.height, width: inShape.width, top: w.padH, left: w.padW,
      planeHeight: planeHeight, planeWidth: planeWidth)
    accumulatorBits = w.taps <= Int(Int8.max) ? 8 : w.taps <= Int(Int16.max) ? 16 : 32
    compensatedLanes = target.compensatedLanes
    _ = scratch.reserve(inShape.channels * planeHeight * planeWidth)
    scaleOffset = scratch.reserve(4 * inShape.channels)
    lanesOffset = scratch.reserve(geometry.producesChannelSums ? 4 * 2 * compensatedLanes : 0)
  }
}

/// The general exact kernel, for transposed and grouped convolutions (and dense ones on cores
/// without vector units): the DAB signs packed as bits along channels, the window walked per
/// output pixel, and per byte of agreement bits a lookup in a table of the 256 signed sums of
/// the DAB scales that byte covers.
public struct ByteTableKernel: Sendable {
  public var geometry: BinaryConvGeometry
  public var dab: DABLayout
  public var bytesPerGroup: Int
  public var bytesPerPixel: Int
  /// Bits a table covers (at most 8) and its entries.
  public var tableBits: Int
  public var entries: Int
  public var scratch = ScratchLayout()
  public var scaleOffset = 0
  public var tableOffset = 0
  public var carryOffset = 0

  init(_ geometry: BinaryConvGeometry, _ target: KernelTarget) {
    self.geometry = geometry
    bytesPerGroup = (geometry.inPerGroup + 7) / 8
    bytesPerPixel = geometry.groups * bytesPerGroup
    dab = .bits(unitBits: 8, unitsPerGroup: bytesPerGroup)
    tableBits = min(8, geometry.inPerGroup)
    entries = 1 << tableBits
    _ = scratch.reserve(geometry.inShape.pixels * bytesPerPixel)
    scaleOffset = scratch.reserve(4 * geometry.inShape.channels)
    tableOffset = scratch.reserve(4 * geometry.groups * bytesPerGroup * entries)
    carryOffset = scratch.reserve(
      geometry.producesChannelSums ? 4 * geometry.outShape.channels : 0)
  }
}

/// The `--dab-scale=layer` approximation for dense forward convolutions: one DAB scale for the
/// layer leaves a pure xnor-popcount over machine words, vectorised across output channels.
public struct XnorPopcountKernel: Sendable {
  public var geometry: BinaryConvGeometry
  public var dab: DABLayout
  public var unitBits: Int
  /// Words per pixel, and the padding bits of the last one (0 in both words, so they agree).
  public var units: Int
  public var paddingBits: Int
  public var scratch = ScratchLayout()
  public var scaleOffset = 0
  public var agreementOffset = 0
  public var carryOffset = 0

  init(_ geometry: BinaryConvGeometry, _ target: KernelTarget) {
    self.geometry = geometry
    unitBits = target.wordBits
    units = (geometry.inShape.channels + unitBits - 1) / unitBits
    paddingBits = units * unitBits - geometry.inShape.channels
    dab = .bits(unitBits: unitBits, unitsPerGroup: units)
    let outChannels = geometry.outShape.channels
    _ = scratch.reserve(geometry.inShape.pixels * units * unitBits / 8)
    scaleOffset = scratch.reserve(4 * geometry.inShape.channels)
    agreementOffset = scratch.reserve(unitBits / 8 * outChannels)
    carryOffset = scratch.reserve(geometry.producesChannelSums ? 4 * outChannels : 0)
  }
}

/// The float32 baseline of a BiDense convolution, for `bench`: the same DAB producing floats,
/// then the convolution as im2col plus a cache-blocked sgemm with ±a float weights.
public struct FloatBaselineKernel: Sendable {
  /// Output pixels per im2col block.
  public static let block = 64
  /// Rows of the im2col block per sgemm pass: 256 × 64 floats stay in the L2 cache.
  public static let depthChunk = 256

  public var geometry: BinaryConvGeometry
  public var dab: DABLayout { .floats }
  /// The sgemm's depth: input channels of a group times taps.
  public var depth: Int
  /// Outputs of a group rounded up to a multiple of 4; the extra weight rows are 0.
  public var paddedOutPerGroup: Int
  public var compensatedLanes: Int
  public var scratch = ScratchLayout()
  public var columnsOffset = 0
  public var accumulatorOffset = 0
  public var scaleOffset = 0
  public var lanesOffset = 0

  init(_ geometry: BinaryConvGeometry, _ target: KernelTarget) {
    self.geometry = geometry
    depth = geometry.inPerGroup * geometry.window.taps
    paddedOutPerGroup = (geometry.outPerGroup + 3) / 4 * 4
    compensatedLanes = target.compensatedLanes
    _ = scratch.reserve(4 * geometry.inShape.count)
    columnsOffset = scratch.reserve(4 * depth * Self.block)
    accumulatorOffset = scratch.reserve(4 * paddedOutPerGroup * Self.block)
    scaleOffset = scratch.reserve(4 * geometry.inShape.channels)
    lanesOffset = scratch.reserve(
      geometry.producesChannelSums
        ? 4 * 2 * compensatedLanes * geometry.outShape.channels : 0)
  }
}
