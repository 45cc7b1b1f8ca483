import BiDenseIR
import BiDensePasses

/// C for bilinear (align_corners) and nearest interpolation.
enum ResizeEmitter {
  static func bilinear(_ k: ReshapeKernel, _ context: KernelContext) throws -> String {
    var values = context.commonValues(
      title: "bilinear interpolation (align_corners) \(k.input) -> \(k.output)",
      output: k.output, input: k.input, epilogueIndent: 16)
    // The same float scale as PyTorch's (in − 1) / (out − 1), so source positions match.
    func scale(_ input: Int, _ output: Int) -> TemplateValue {
      .text(CText.float(output > 1 ? Float(input - 1) / Float(output - 1) : 0))
    }
    values["scaleY"] = scale(k.input.height, k.output.height)
    values["scaleX"] = scale(k.input.width, k.output.width)
    // Hosts interpolate each input row across once, into two cached rows on the stack
    // (the FPN's resizes to 104×136 took 3 ms each a pixel at a time, 0.5 ms so on an AVX-512
    // EPYC); 32-bit cores keep the pixel loops and their stack.
    let template =
      context.target.wordBits == 64 ? "kernels/resize_bilinear_rows.c" : "kernels/resize_bilinear.c"
    return try Template(template).render(values)
  }

  static func nearest(_ k: UpsampleKernel, _ context: KernelContext) throws -> String {
    var values = context.commonValues(
      title: "nearest upsampling by \(k.scale), \(k.input) -> \(k.output)", output: k.output,
      input: k.input, epilogueIndent: 16)
    values["scale"] = .int(k.scale)
    return try Template("kernels/upsample_nearest.c").render(values)
  }

  static func antialiased(_ k: AntialiasedResizeKernel, _ context: KernelContext) throws
    -> String
  {
    var values = context.commonValues(
      title: "antialiased bilinear resize \(k.input) -> \(k.output)", output: k.output,
      input: k.input, epilogueIndent: 16)
    values.merge([
      "tapsAcross": .int(k.across.taps), "tapsDown": .int(k.down.taps),
      "startAcross": context.symbol(.resizeStarts(axis: 0)),
      "weightAcross": context.symbol(.resizeWeights(axis: 0)),
      "startDown": context.symbol(.resizeStarts(axis: 1)),
      "weightDown": context.symbol(.resizeWeights(axis: 1)),
    ]) { $1 }
    return try Template("kernels/resize_antialiased.c").render(values)
  }
}
