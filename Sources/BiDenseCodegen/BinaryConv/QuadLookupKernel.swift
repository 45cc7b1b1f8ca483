import BiDenseIR
import BiDensePasses
import BiDenseTemplates

/// Dense binary convolutions, exact: per block of output pixels, tables of the 16 signed sums
/// of each quad of scaled input signs, and per output channel one table row added per quad and
/// tap (the LUT-4 method). A 1×1 convolution with stride 1 runs over the flattened image.
enum QuadLookupKernel {
  /// Output pixels per block: a table row is this many floats (32 measured faster than 16
  /// or 64 on an AVX2 host, for 1×1 and 3×3 alike).
  static let block = 32
  /// Output channels accumulated together (the AVX2 and NEON paths take them two at a time).
  static let outputBlock = 4
  /// The tables of a chunk of quads stay within this many bytes, so within the L1 cache.
  static let tableBudget = 16 * 1024

  static func emit(_ kernel: Kernel, _ packed: PackedBinaryConv, _ context: inout EmitContext)
    throws -> KernelCode
  {
    var (values, flags) = try BinaryConvEmitter.sharedValues(kernel, packed, &context)
    let window = packed.window
    let inShape = packed.inShape
    let outShape = packed.outShape
    let flat =
      window.kernelH == 1 && window.kernelW == 1 && window.strideH == 1 && window.strideW == 1
      && window.padH == 0 && window.padW == 0
    // The image as the kernel walks it: rows of output pixels, each cut into blocks.
    let blockRows = flat ? 1 : outShape.height
    let blockWidth = flat ? outShape.pixels : outShape.width
    let blocks = (blockWidth + block - 1) / block
    // Stride 1 across: the taps of a kernel row share one table over a wider strip.
    let sharedRows = window.strideW == 1
    let tableWidth = sharedRows ? block + (window.kernelW - 1) * window.dilationW : block
    let planeHeight = flat ? 1 : inShape.height + 2 * window.padH
    let readWidth =
      (blocks * block - 1) * window.strideW + (window.kernelW - 1) * window.dilationW + 1
    let planeWidth = max(flat ? inShape.pixels : inShape.width + 2 * window.padW, readWidth)
    values["store"] = try BinaryConvEmitter.storeFunction(
      kernel, packed, values, flags, block: block, &context)
    values["lanesArgument"] =
      kernel.producesChannelSums ? ", lanes + o * 2 * \(context.compensatedLanes)" : ""
    values["dabFunction"] = try BinaryConvEmitter.dabFunction(
      kernel, packed,
      .signs(
        height: flat ? 1 : inShape.height, width: flat ? inShape.pixels : inShape.width,
        top: flat ? 0 : window.padH, left: flat ? 0 : window.padW, planeHeight: planeHeight,
        planeWidth: planeWidth), &context)
    let quads = (inShape.channels + 3) / 4
    let chunkQuads = max(1, min(quads, tableBudget / (16 * 4 * tableWidth)))
    let paddedOutChannels = (outShape.channels + outputBlock - 1) / outputBlock * outputBlock
    let nibbleBytes = (window.taps * quads + 1) / 2
    // Outputs past the end (up to a whole output block) read zero nibbles and are not stored.
    let nibbles =
      packed.nibbles()
      + [UInt8](repeating: 0, count: (paddedOutChannels - outShape.channels) * nibbleBytes)
    values["weightNibbles"] = context.pool.bytes(
      "\(context.symbolBase)_nibbles", nibbles,
      comment: "\(kernel.name): weight signs, [out][tap][quad] 4 bits each, low nibble first")
    let signBytes = inShape.channels * planeHeight * planeWidth
    let scaleOffset = BinaryConvEmitter.align16(signBytes)
    let tableOffset = BinaryConvEmitter.align16(scaleOffset + 4 * inShape.channels)
    let accOffset = BinaryConvEmitter.align16(tableOffset + 4 * chunkQuads * 16 * tableWidth)
    let lanesOffset = BinaryConvEmitter.align16(accOffset + 4 * paddedOutChannels * block)
    let lanesBytes =
      kernel.producesChannelSums ? 4 * 2 * context.compensatedLanes * outShape.channels : 0
    values.merge([
      "block": "\(block)", "outputBlock": "\(outputBlock)",
      "outputBlockLast": "\(outputBlock - 1)", "avxVectors": "\(block / 8)",
      "neonVectors": "\(block / 4)", "PREFIX": context.pool.prefix.uppercased(),
      "blockRows": "\(blockRows)",
      "blockWidth": "\(blockWidth)", "tableWidth": "\(tableWidth)",
      "sourceStep": "\(window.strideW)", "planeSize": "\(planeHeight * planeWidth)",
      "paddedWidth": "\(planeWidth)", "quads": "\(quads)", "chunkQuads": "\(chunkQuads)",
      "paddedOutChannels": "\(paddedOutChannels)", "nibbleBytes": "\(nibbleBytes)",
      "tableTaps": sharedRows ? "1" : "\(window.kernelW)",
      "firstTap": sharedRows ? "0" : "tj", "endTap": sharedRows ? "\(window.kernelW)" : "tj + 1",
      "tapShift": sharedRows ? "j * \(window.dilationW)" : "0",
      "scaleOffset": "\(scaleOffset)", "tableOffset": "\(tableOffset)",
      "accOffset": "\(accOffset)", "lanesOffset": "\(lanesOffset)",
    ]) { $1 }
    return KernelCode(
      text: try Template("kernels/binary_conv_lut.c").render(values, flags: flags),
      scratchBytes: lanesOffset + lanesBytes,
      variant: "LUT-4 dense \(window.kernelH)x\(window.kernelW)")
  }
}
