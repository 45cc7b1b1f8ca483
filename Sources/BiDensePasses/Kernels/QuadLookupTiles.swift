import BiDenseIR

/// The AVX-512 layout of a LUT-4 kernel (`<PREFIX>_AVX512`): tiles of `vectors` sixteen-float
/// registers of output pixels, `outputs` output channels accumulated in registers together,
/// with sign planes and scratch of its own beside the portable layout's.
///
/// With stride 1 both ways, output pixel (oy, ox) and tap (i, j) read the sign plane at
/// (oy + i·dh)·planeWidth + ox + j·dw: the image is walked as one flat run of `positions`, of
/// which the `planeWidth − outWidth` positions at the end of each row are computed and
/// dropped. Otherwise it walks output rows.
public struct QuadLookupTiles: Sendable {
  /// Sixteen-float registers a tile (three where a table is shared by a kernel row's taps),
  /// and output channels accumulated together: measured best on an AVX-512 EPYC core.
  public static let vectors = 2
  public static let outputs = 8
  /// The tables of a chunk of quads stay within this many bytes (the L1 data cache is 32 KB).
  public static let tableBudget = 24 * 1024
  /// The sums of a strip of pixels wait in `acc` between chunks: up to this many bytes for all
  /// output channels, and at least two tiles.
  public static let accumulatorBudget = 256 * 1024

  /// The image walked as one run over the padded planes (stride 1 both ways).
  public var flat: Bool
  public var vectors: Int
  public var tile: Int
  public var planeWidth: Int
  public var planeHeight: Int
  /// Output rows walked (1 when flat) and positions along each.
  public var rows: Int
  public var positions: Int
  /// Plane offsets between walked rows and between kernel rows.
  public var rowStep: Int
  public var kernelRowStep: Int
  /// One table serves every kernel row (flat, plane rows a whole number of tiles), and how far
  /// past a strip its tables then reach (the kernel rows below).
  public var reuse: Bool
  public var reach: Int
  /// Floats a table row; tables per kernel row (kernelW unless shared) and taps per table
  /// (kernelW when shared, read `tapShift` apart).
  public var tableWidth: Int
  public var tableTaps: Int
  public var tapsPerTable: Int
  public var tapShift: Int
  /// Quads a chunk of tables, and positions a strip of sums.
  public var chunk: Int
  public var strip: Int
  public var paddedOutChannels: Int
  /// Two quads a weight byte, read together (an even number of quads).
  public var pairs: Bool
  /// Flat with positions past the output width in each row: the store skips them.
  public var gaps: Bool
  /// Scratch, on 64-byte boundaries: the tables and sums are moved up to the next cache line
  /// at run time, so `bytes` covers that too.
  public var scaleOffset = 0
  public var tableOffset = 0
  public var accumulatorOffset = 0
  public var lanesOffset = 0
  public var bytes = 0

  init(_ g: BinaryConvGeometry, quads: Int, compensatedLanes: Int) {
    let w = g.window
    let inShape = g.inShape
    let outShape = g.outShape
    flat = w.strideH == 1 && w.strideW == 1
    // Stride 1 across, the taps of a kernel row may share one table read at a shift, which
    // saves building a table per tap but makes two of three reads straddle cache lines. With
    // 64 outputs or more to spread the building over, a table per tap is faster.
    let shared = w.strideW == 1 && w.kernelW > 1 && outShape.channels < 64
    // A shared table is wider than its tile by the taps' reach, rounded up to a vector: three
    // vectors a tile waste less of it than two.
    vectors = shared ? 3 : Self.vectors
    tile = 16 * vectors
    tableTaps = shared ? 1 : w.kernelW
    tapsPerTable = shared ? w.kernelW : 1
    tapShift = shared ? w.dilationW : 0
    tableWidth = shared ? (tile + (w.kernelW - 1) * w.dilationW + 15) / 16 * 16 : tile
    paddedOutChannels = (outShape.channels + Self.outputs - 1) / Self.outputs * Self.outputs
    pairs = quads % 2 == 0
    var chunk = max(1, min(quads, Self.tableBudget / (16 * 4 * tableWidth)))
    if pairs && chunk % 2 == 1 { chunk = chunk > 1 ? chunk - 1 : 2 }
    self.chunk = chunk
    let padded = inShape.width + 2 * w.padW
    // Flat, with plane rows a whole number of tiles wide, kernel rows are whole tiles apart
    // and one table serves them all; worth it where that widens the rows by a tenth at most.
    let rounded = (padded + tile - 1) / tile * tile
    reuse = flat && (w.kernelH == 1 || rounded * 10 <= padded * 11)
    if flat {
      planeWidth = reuse && w.kernelH > 1 ? rounded : padded
      rows = 1
      positions = (outShape.height - 1) * planeWidth + outShape.width
      rowStep = 0
    } else {
      rows = outShape.height
      positions = outShape.width
      let tiles = (positions + tile - 1) / tile
      // The furthest column a table of the last tile reads, and its 32-byte loads.
      let reach = (tiles * tile - 1) * w.strideW + (w.kernelW - 1) * w.dilationW + 1
      planeWidth = max(padded, reach + 32)
      rowStep = w.strideH * planeWidth
    }
    gaps = flat && planeWidth != outShape.width
    kernelRowStep = w.dilationH * planeWidth
    reach = reuse ? (w.kernelH - 1) * kernelRowStep : 0
    let tiles = (positions + tile - 1) / tile
    let fit = Self.accumulatorBudget / (4 * paddedOutChannels) / tile
    // At least two tiles: a store per channel and tile costs more than the larger sums.
    strip = (flat ? max(1, min(tiles, max(2, fit))) : tiles) * tile
    // Rows enough for the furthest read of the last tile (and a whole vector beyond).
    let lastRead =
      (rows - 1) * rowStep + (w.kernelH - 1) * kernelRowStep + (tiles - 1) * tile * w.strideW
      + (tableTaps - 1) * w.dilationW + tableWidth * w.strideW + 32
    planeHeight = max(inShape.height + 2 * w.padH, (lastRead + planeWidth - 1) / planeWidth)
    func line(_ n: Int) -> Int { (n + 63) / 64 * 64 }
    scaleOffset = line(inShape.channels * planeHeight * planeWidth)
    tableOffset = line(scaleOffset + 4 * inShape.channels)
    accumulatorOffset = line(tableOffset + 4 * chunk * 16 * tableWidth)
    lanesOffset = line(accumulatorOffset + 4 * paddedOutChannels * strip) + 64
    bytes =
      lanesOffset + (g.producesChannelSums ? 4 * 2 * compensatedLanes * outShape.channels : 0)
  }

  /// Where the DAB of this layout writes its signs.
  public func dab(_ g: BinaryConvGeometry) -> DABLayout {
    .signs(
      height: g.inShape.height, width: g.inShape.width, top: g.window.padH,
      left: g.window.padW, planeHeight: planeHeight, planeWidth: planeWidth)
  }
}
