import BiDenseIR

/// Dense, grouped and non-overlapping transposed binary convolutions on 32-bit cores, exact:
/// the DAB signs packed along channels into 8-, 16- or 32-bit units per pixel, in a plane whose
/// border (the zero padding) holds 0 bits; per byte of channels a table of the 256 signed sums
/// of their scales, indexed by `x ^ w` (a set bit is a disagreement). Per output channel and
/// pixel the taps are unrolled with literal offsets and the sum stays in one float register;
/// what the taps in the padding added (`table[w]`) is taken back out per border row and column.
public struct WordTableKernel: Sendable {
  /// From this many units per pixel on, a tap loops over its full units instead of unrolling
  /// them (measured when the kernel was written, upernet-depth-micro on Cortex-M4: code
  /// 191.5 → 180.5 KB, no speed lost).
  public static let loopedUnits = 4

  /// Forward convolutions of any stride, dilation, padding and grouping (not depthwise), and
  /// transposed ones whose kernel is their stride, without padding or dilation: each output
  /// then reads one tap of one input pixel.
  public static func applies(_ g: BinaryConvGeometry) -> Bool {
    guard !g.isDepthwise else { return false }
    guard g.transposed else { return true }
    let w = g.window
    return w.kernelH == w.strideH && w.kernelW == w.strideW && w.padH == 0 && w.padW == 0
      && w.dilationH == 1 && w.dilationW == 1
      && g.outShape.height == g.inShape.height * w.strideH
      && g.outShape.width == g.inShape.width * w.strideW
  }

  /// An output column whose window has taps in the padding, and the kernel columns that do.
  public struct BorderColumn: Sendable, Equatable {
    public var column: Int
    public var kernelColumns: [Int]
  }

  /// How a padded pooling bypass reads a row: the output columns whose pool window lies
  /// inside the input across, and each other column with the input columns its window covers.
  public struct PoolColumns: Sendable, Equatable {
    public struct Border: Sendable, Equatable {
      public var column: Int
      public var inputColumns: Range<Int>
    }

    public var interior: Range<Int>
    public var border: [Border]
  }

  public var geometry: BinaryConvGeometry
  public var planes: BitPlanes
  public var dab: DABLayout { .bitPlanes(planes) }
  public var units: ChannelUnits
  /// Per tap, row-major over the kernel: its units from the window's first unit (forward).
  public var tapOffsets: [Int]
  /// Forward with padding: the taps in the padding read 0 bits and are taken back out.
  public var padded: Bool
  /// Output rows whose window lies inside the input, top to bottom (padded only).
  public var interiorRows: Range<Int>
  /// Output columns whose window reaches into the padding (padded only).
  public var borderColumns: [BorderColumn]
  /// Some output rows have kernel rows in the padding.
  public var hasBorderRows: Bool { padded && interiorRows != 0..<geometry.outShape.height }
  public var bypass: RowBypass
  /// The columns of a padded pooling bypass (nil for any other bypass): the columns inside
  /// are summed with a fixed window, the clipped ones each with its own (measured on
  /// bidense_down, Cortex-M4: 306 k → 268 k instructions against clipping every window).
  public var poolColumns: PoolColumns?
  /// Each sum goes straight to its store in registers (no padding to take out); otherwise a
  /// row of sums goes through the kernel's store function.
  public var fusedStore: Bool { !padded }
  public var scratch = ScratchLayout()
  public var scaleOffset = 0
  public var tableOffset = 0
  /// A row of sums (padded), or of one source channel's bypass (merged means of a pooled or
  /// upsampled source).
  public var sumOffset: Int?
  /// The bypass row of a merged mean or of a pooled or upsampled source (fused store only).
  public var bypassOffset: Int?
  /// Per output channel, what the taps in the padding added: by tap, kernel row, kernel
  /// column, and the columns adjusted for the border rows.
  public var padOffset: Int?

  init(_ geometry: BinaryConvGeometry) {
    self.geometry = geometry
    let w = geometry.window
    let inShape = geometry.inShape
    let outShape = geometry.outShape
    let units = ChannelUnits(channels: geometry.inPerGroup)
    self.units = units
    // The plane: padded, cut to the rows and columns the windows read (transposed: the input).
    let transposed = geometry.transposed
    let planeHeight =
      transposed
      ? inShape.height : (outShape.height - 1) * w.strideH + (w.kernelH - 1) * w.dilationH + 1
    let planeWidth =
      transposed
      ? inShape.width : (outShape.width - 1) * w.strideW + (w.kernelW - 1) * w.dilationW + 1
    let top = transposed ? 0 : w.padH
    let left = transposed ? 0 : w.padW
    planes = BitPlanes(
      unitBits: units.bits, groups: geometry.groups, groupChannels: geometry.inPerGroup,
      unitsPerPixel: units.count, planeHeight: planeHeight, planeWidth: planeWidth, top: top,
      left: left, height: min(inShape.height, planeHeight - top),
      width: min(inShape.width, planeWidth - left))
    tapOffsets = (0..<w.taps).map { tap in
      (tap / w.kernelW * w.dilationH * planeWidth + tap % w.kernelW * w.dilationW) * units.count
    }
    padded = !transposed && (w.padH > 0 || w.padW > 0)
    // A window lies inside the input along one axis when each of its taps does.
    func outside(_ o: Int, _ k: Int, vertical: Bool) -> Bool {
      let (stride, pad, dilation, size) =
        vertical
        ? (w.strideH, w.padH, w.dilationH, inShape.height)
        : (w.strideW, w.padW, w.dilationW, inShape.width)
      return !(0..<size).contains(o * stride - pad + k * dilation)
    }
    let inside = (0..<outShape.height).filter { oy in
      !(0..<w.kernelH).contains { outside(oy, $0, vertical: true) }
    }
    interiorRows =
      padded
      ? (inside.first ?? outShape.height)..<(inside.last.map { $0 + 1 } ?? outShape.height)
      : 0..<outShape.height
    borderColumns =
      padded
      ? (0..<outShape.width).compactMap { ox in
        let columns = (0..<w.kernelW).filter { outside(ox, $0, vertical: false) }
        return columns.isEmpty ? nil : BorderColumn(column: ox, kernelColumns: columns)
      } : []
    bypass = RowBypass(geometry)
    if bypass == .sourceRows, case .avgPool(let pool)? = geometry.bypass?.source,
      pool.padH > 0 || pool.padW > 0
    {
      var interior: [Int] = []
      var border: [PoolColumns.Border] = []
      for ox in 0..<outShape.width {
        let left = ox * pool.strideW - pool.padW
        let columns = max(0, left)..<min(inShape.width, left + pool.kernelW)
        if columns.count == pool.kernelW {
          interior.append(ox)
        } else {
          border.append(PoolColumns.Border(column: ox, inputColumns: columns))
        }
      }
      // Windows are clipped at the edges only, so the columns inside are one run.
      poolColumns = PoolColumns(
        interior: (interior.first ?? 0)..<(interior.last.map { $0 + 1 } ?? 0), border: border)
    }
    let means = geometry.bypass.map { $0.plan.copies < $0.plan.outChannels } ?? false
    _ = scratch.reserve(units.bits / 8 * planes.units)
    scaleOffset = scratch.reserve(4 * inShape.channels)
    tableOffset = scratch.reserve(4 * geometry.groups * units.groupTableFloats)
    if padded || (bypass == .sourceRows && means) {
      sumOffset = scratch.reserve(4 * outShape.width)
    }
    if !padded && (bypass == .sourceRows || (bypass != .none && means)) {
      bypassOffset = scratch.reserve(4 * outShape.width)
    }
    if padded {
      padOffset = scratch.reserve(4 * (w.taps + w.kernelH + 2 * w.kernelW))
    }
  }
}

/// How a 32-bit kernel reads the bypass of the rows it stores.
public enum RowBypass: Sendable, Equatable {
  case none
  /// The DAB's input at the output's pixels: a row of it, or the mean of several channels'.
  case input
  /// Nearest upsampling by the stride of a transposed convolution whose kernel is its stride:
  /// each output reads the input pixel its tap comes from.
  case tapPixel
  /// A pooled or upsampled source, a row at a time through the kernel's `_bypass_row`.
  case sourceRows

  init(_ g: BinaryConvGeometry) {
    guard let (_, source) = g.bypass else {
      self = .none
      return
    }
    switch source {
    case .input:
      self = .input
    case .upsampleNearest(let scale)
    where g.transposed && scale == g.window.strideH && scale == g.window.strideW:
      self = .tapPixel
    case .upsampleNearest, .avgPool:
      self = .sourceRows
    }
  }
}

/// A group's input channels as units of 8, 16 or 32 bits per pixel, and where the table of
/// each byte of channels lives: rows of `strides[u]` floats holding the unit's bytes side by
/// side, or, for a unit of three bytes, a 256-float table per byte (a 4-wide table would leave
/// a quarter empty: measured when the kernel was written, 6 % faster on 24-channel layers but
/// 34 % more of their workspace).
public struct ChannelUnits: Sendable, Equatable {
  /// Where one byte's entries are read: through table pointer `pointer`, at `offset` floats
  /// into a row of `stride` floats.
  public struct Slot: Sendable, Equatable {
    public var pointer: Int
    public var offset: Int
    public var stride: Int
  }

  /// A pointer into a group's tables: unit `unit`'s (or its byte `byte`'s), `offset` floats in.
  /// Each gets its own so that the loads' offsets fit their immediates.
  public struct Pointer: Sendable, Equatable {
    public var unit: Int
    public var byte: Int?
    public var offset: Int
  }

  /// One byte's table as built: its first channel in the group and how many it covers, the
  /// floats before its first entry, and the floats between its entries.
  public struct Table: Sendable, Equatable {
    public var firstChannel: Int
    public var channels: Int
    public var start: Int
    public var stride: Int
  }

  public var bits: Int
  public var count: Int
  /// Bytes of channels in each unit.
  public var bytes: [Int]
  public var strides: [Int]
  public var groupTableFloats: Int
  /// The leading full units a tap loops over (4 bytes, tables 1,024 floats apart) instead of
  /// unrolling them: the wide layers; 0 when every unit is unrolled.
  public var looped: Int
  /// Per unrolled unit (from `looped` on) and byte, where its entries are read.
  public var slots: [[Slot]]
  /// The table pointers the units read through; the first is the group's tables, where the
  /// looped units start.
  public var pointers: [Pointer]
  public var tables: [Table]

  init(channels: Int) {
    let bits = channels <= 8 ? 8 : channels <= 16 ? 16 : 32
    let count = (channels + bits - 1) / bits
    let bytes = (0..<count).map { u in (min(channels - u * bits, bits) + 7) / 8 }
    let strides = bytes.map { $0 == 2 ? 2 : $0 == 4 ? 4 : 1 }
    self.bits = bits
    self.count = count
    self.bytes = bytes
    self.strides = strides
    // A unit of several bytes with rows one float wide has a table per byte.
    let own = (0..<count).map { strides[$0] == 1 && bytes[$0] > 1 }
    var offsets: [Int] = []
    var total = 0
    for u in 0..<count {
      offsets.append(total)
      total += 256 * (own[u] ? bytes[u] : strides[u])
    }
    groupTableFloats = total
    let looped = count >= Self.loopedFrom ? bytes.prefix { $0 == 4 }.count : 0
    self.looped = looped
    var pointers = [Pointer(unit: 0, byte: nil, offset: 0)]
    var slots: [[Slot]] = []
    for u in looped..<count {
      var unitSlots: [Slot] = []
      for b in 0..<bytes[u] {
        if u == 0 && (b == 0 || !own[u]) {
          unitSlots.append(Slot(pointer: 0, offset: own[u] ? 0 : b, stride: strides[u]))
        } else if own[u] {
          pointers.append(Pointer(unit: u, byte: b, offset: offsets[u] + 256 * b))
          unitSlots.append(Slot(pointer: pointers.count - 1, offset: 0, stride: 1))
        } else {
          if b == 0 { pointers.append(Pointer(unit: u, byte: nil, offset: offsets[u])) }
          unitSlots.append(Slot(pointer: pointers.count - 1, offset: b, stride: strides[u]))
        }
      }
      slots.append(unitSlots)
    }
    self.slots = slots
    self.pointers = pointers
    tables = (0..<count).flatMap { u in
      (0..<bytes[u]).map { b in
        let first = u * bits + 8 * b
        return Table(
          firstChannel: first, channels: min(8, channels - first),
          start: own[u] ? offsets[u] + 256 * b : offsets[u] + b, stride: strides[u])
      }
    }
  }

  static let loopedFrom = WordTableKernel.loopedUnits
}
