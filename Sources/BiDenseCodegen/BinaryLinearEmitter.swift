import BiDenseIR
import BiDensePasses

/// The C of packed ternary values shared by the token kernels: the word type, parameters by
/// storage, and the store of a value's sign into its row's planes.
enum Ternary {
  static func unit(_ bits: Int) -> String { "uint\(bits)_t" }

  /// A kernel parameter for a value kept as `storage`.
  static func parameter(_ storage: ValueStorage, _ name: String, const: Bool, wordBits: Int)
    -> String
  {
    let type = storage.ternary.map { unit($0.wordBits) } ?? "float"
    return (const ? "const " : "") + type + " *" + name
  }

  /// The template values of a packed ternary output: its segments, their words, the row's,
  /// and `packSigns`, the block that packs a token's `values` into its row of `y`.
  static func outputValues(_ layout: TernaryLayout) throws -> [String: TemplateValue] {
    [
      "outSegments": .int(layout.segments), "outSegment": .int(layout.segment),
      "outSegmentWords": .int(layout.segmentWords), "outRowWords": .int(layout.rowWords),
      "outRowStride": .int(layout.rowStride),
      "packSigns": .fragment(try Template.part("kernels/pack_token_signs.c")),
    ]
  }

  /// The residual inputs' parameters of a token kernel, after its main input.
  static func residualParameters(_ steps: [EpilogueStep]) -> [String] {
    Epilogue.residualParameters(steps).map { "const float *\($0)" }
  }
}

/// C for binary linear layers (`BinaryLinearKernel`) and their float32 baseline.
enum BinaryLinearEmitter {
  static func emit(_ k: BinaryLinearKernel, _ context: KernelContext) throws -> String {
    let shapeIn = TensorShape(tokens: k.tokens, channels: k.inFeatures)
    let shapeOut = TensorShape(tokens: k.tokens, channels: k.outFeatures)
    let ternaryOut = k.output.ternary
    var steps = context.kernel.epilogue
    if k.geluSign { steps.removeLast() }
    let wordBits = k.inputLayout.wordBits
    var values = context.commonValues(
      title:
        "BinaryLinear \(shapeIn) -> \(shapeOut)" + (k.hasMove ? ", moved input" : "")
        + (ternaryOut == nil ? "" : ", stores signs"),
      output: shapeOut, input: shapeIn)
    let input = k.packsInput ? ValueStorage.floats : .ternary(k.inputLayout)
    let parameters =
      [Ternary.parameter(input, "x", const: true, wordBits: wordBits)]
      + Ternary.residualParameters(steps)
      + [Ternary.parameter(k.output, "y", const: false, wordBits: wordBits)]
      + ["unsigned char *scratch"]
    values.merge([
      "parameters": .text(parameters.joined(separator: ", ")),
      "unit": .text(Ternary.unit(wordBits)), "wordBits": .int(wordBits),
      "wide": .bool(wordBits == 64), "PREFIX": .text(context.prefix.uppercased()),
      "tokens": .named("TOKENS", k.tokens), "inFeatures": .named("IN_FEATURES", k.inFeatures),
      "outFeatures": .named("OUT_FEATURES", k.outFeatures),
      "paddedOut": .named("PADDED_OUT", k.paddedOutFeatures),
      "rowWords": .int(k.inputLayout.rowWords), "rowStride": .int(k.inputLayout.rowStride),
      "dense": .bool(k.denseWeights), "packsInput": .bool(k.packsInput),
      "hasMove": .bool(k.hasMove), "countOffset": .int(k.countOffset),
      "valueOffset": .int(k.valueOffset),
      "weightNegative": context.symbol(.weights), "scale": context.symbol(.multiplier),
      "bias": context.symbol(.offset), "ternaryOut": .bool(ternaryOut != nil),
      "hasEpilogue": .bool(!steps.isEmpty),
      "epilogue": context.epilogue(
        indent: 12, channel: "$o", steps: steps, residualIndex: "$t * outFeatures + $o"),
    ]) { $1 }
    if k.hasMove { values["move"] = context.symbol(.move) }
    if !k.denseWeights { values["weightNonzero"] = context.symbol(.weightMask) }
    if let layout = ternaryOut { values.merge(try Ternary.outputValues(layout)) { $1 } }
    values["geluSign"] = .bool(k.geluSign)
    values["threshold"] = .text(CText.float(GELU.underflowThreshold))
    return try Template("kernels/binary_linear.c").render(values)
  }

  static func baseline(_ k: BinaryLinearBaselineKernel, _ context: KernelContext) throws
    -> String
  {
    let shapeIn = TensorShape(tokens: k.tokens, channels: k.inFeatures)
    let shapeOut = TensorShape(tokens: k.tokens, channels: k.outFeatures)
    var values = context.commonValues(
      title: "BinaryLinear \(shapeIn) -> \(shapeOut), float32 baseline", output: shapeOut,
      input: shapeIn)
    let steps = context.kernel.epilogue
    let parameters =
      ["const float *x"] + Ternary.residualParameters(steps)
      + ["float *y", "unsigned char *scratch"]
    values.merge([
      "parameters": .text(parameters.joined(separator: ", ")),
      "tokens": .named("TOKENS", k.tokens), "inFeatures": .named("IN_FEATURES", k.inFeatures),
      "outFeatures": .named("OUT_FEATURES", k.outFeatures), "hasMove": .bool(k.hasMove),
      "weights": context.symbol(.weights), "bias": context.symbol(.offset),
      "hasEpilogue": .bool(!steps.isEmpty),
      "epilogue": context.epilogue(
        indent: 16, channel: "$o", residualIndex: "$t * outFeatures + $o"),
    ]) { $1 }
    if k.hasMove { values["move"] = context.symbol(.move) }
    return try Template("kernels/linear_baseline.c").render(values)
  }
}
