import BiDenseIR
import BiDensePasses
import BiDenseTemplates

/// C for bilinear (align_corners) and nearest interpolation.
enum ResizeEmitter {
  static func bilinear(_ kernel: Kernel, _ node: Node, _ context: inout EmitContext) throws
    -> KernelCode
  {
    let input = context.graph[node.inputs[0]].shape
    var values = context.commonValues(
      kernel, title: "bilinear interpolation (align_corners) \(input) -> \(node.shape)",
      input: input, epilogueIndent: 16)
    // The same float scale as PyTorch's (in − 1) / (out − 1), so source positions match.
    func scale(_ input: Int, _ output: Int) -> String {
      CText.float(output > 1 ? Float(input - 1) / Float(output - 1) : 0)
    }
    values["scaleY"] = scale(input.height, node.shape.height)
    values["scaleX"] = scale(input.width, node.shape.width)
    return KernelCode(
      text: try Template("kernels/resize_bilinear.c").render(values), scratchBytes: 0)
  }

  static func nearest(_ kernel: Kernel, _ node: Node, scale: Int, _ context: inout EmitContext)
    throws -> KernelCode
  {
    let input = context.graph[node.inputs[0]].shape
    var values = context.commonValues(
      kernel, title: "nearest upsampling by \(scale), \(input) -> \(node.shape)", input: input,
      epilogueIndent: 16)
    values["scale"] = "\(scale)"
    return KernelCode(
      text: try Template("kernels/upsample_nearest.c").render(values), scratchBytes: 0)
  }
}
