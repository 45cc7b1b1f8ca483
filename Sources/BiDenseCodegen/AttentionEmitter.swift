import BiDenseIR
import BiDensePasses
import Foundation

/// C for the binary attention (`AttentionKernel`) and its float32 baseline.
enum AttentionEmitter {
  static func emit(_ k: AttentionKernel, _ context: KernelContext) throws -> String {
    let dim = k.heads * k.headDim
    let shapeIn = TensorShape(tokens: k.tokens, channels: 3 * dim)
    let shapeOut = TensorShape(tokens: k.tokens, channels: dim)
    let layout = k.inputLayout
    let wordBits = layout.wordBits
    var values = context.commonValues(
      title:
        "binary attention \(shapeIn) -> \(shapeOut), \(plural(k.heads, "head")) of "
        + "\(k.headDim), keeping keys within \(k.keepMargin) of the best score",
      output: shapeOut, input: shapeIn)
    let input = k.packsInput ? ValueStorage.floats : .ternary(layout)
    let parameters = [
      Ternary.parameter(input, k.packsInput ? "x" : "qkv", const: true, wordBits: wordBits),
      Ternary.parameter(k.output, "y", const: false, wordBits: wordBits),
      "unsigned char *scratch",
    ]
    values.merge([
      "parameters": .text(parameters.joined(separator: ", ")),
      "unit": .text(Ternary.unit(wordBits)), "wordBits": .int(wordBits),
      "wide": .bool(wordBits == 64), "PREFIX": .text(context.prefix.uppercased()),
      "tokens": .named("TOKENS", k.tokens), "heads": .int(k.heads),
      "headDim": .named("HEAD_DIM", k.headDim), "dim": .named("DIM", dim),
      "width": .named("WIDTH", 3 * dim), "margin": .int(k.keepMargin),
      "segmentWords": .int(layout.segmentWords), "rowWords": .int(layout.rowWords),
      "rowStride": .int(layout.rowStride), "packsInput": .bool(k.packsInput),
      "packedOffset": .int(k.packedOffset), "keyOffset": .int(k.keyOffset),
      "valueOffset": .int(k.valueOffset), "scoreOffset": .int(k.scoreOffset),
      "countOffset": .int(k.countOffset), "ternaryOut": .bool(k.output.ternary != nil),
    ]) { $1 }
    if let out = k.output.ternary { values.merge(try Ternary.outputValues(out)) { $1 } }
    return try Template("kernels/attention.c").render(values)
  }

  static func baseline(_ k: AttentionBaselineKernel, _ context: KernelContext) throws -> String {
    let dim = k.heads * k.headDim
    let shapeIn = TensorShape(tokens: k.tokens, channels: 3 * dim)
    let shapeOut = TensorShape(tokens: k.tokens, channels: dim)
    var values = context.commonValues(
      title: "attention \(shapeIn) -> \(shapeOut), float32 baseline", output: shapeOut,
      input: shapeIn)
    values.merge([
      "tokens": .named("TOKENS", k.tokens), "heads": .int(k.heads),
      "headDim": .named("HEAD_DIM", k.headDim), "dim": .named("DIM", dim),
      "width": .named("WIDTH", 3 * dim), "count": .named("COUNT", shapeIn.count),
      "scaleText": .text(CText.float(Float(1 / Double(k.headDim).squareRoot()))),
    ]) { $1 }
    return try Template("kernels/attention_baseline.c").render(values)
  }
}
