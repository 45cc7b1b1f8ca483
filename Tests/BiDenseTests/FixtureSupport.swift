import Foundation

@testable import BiDenseCLI
@testable import BiDenseCodegen
@testable import BiDenseDriver
@testable import BiDenseFrontend
@testable import BiDenseIR
@testable import BiDensePasses
@testable import BiDenseReference

/// The reference cases copied from the paper's PyTorch code into Tests/Fixtures.
enum Fixtures {
  static let folder = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

  static let singleLayer = [
    "conv3x3_same", "conv3x3_up_repeat_merge", "conv3x3_down_merge", "conv1x1_up4",
    "conv1x1_down4", "conv7x7_depthwise", "conv3x3_stride2_nobypass", "conv3x3_dilated_bias",
    "conv3x3_groups4", "convT2x2_stride2",
  ]

  static let composite = [
    "transition", "convnext_block", "bidense_up4", "bidense_down", "fusion_block", "psp",
    "upernet_depth_small",
  ]

  /// The BiDense-DPT cases: the ViT encoder's layers alone, the encoder, the two models.
  static let vit = [
    "vit_linear_ste", "vit_linear_adapscaling", "vit_attention", "vit_block", "vit_encoder_small",
    "dpt_depth_small", "dpt_seg_small",
  ]

  /// torchvision's antialiased resize, with Pillow's resampling (which PyTorch's ports) as the
  /// reference (make_resize_fixture.py).
  static let resize = ["resize_antialiased"]

  static let all = singleLayer + composite + vit + resize

  static func path(_ name: String, _ suffix: String) -> String {
    folder.appendingPathComponent(name + suffix).path
  }

  static func graph(_ name: String) throws -> Graph {
    try ModelSpec.load(specPath: path(name, ".json"), weightsPath: path(name, ".safetensors"))
  }

  static func floats(_ name: String, _ suffix: String) throws -> [Float] {
    try RawFloats.read(path: path(name, suffix))
  }

  /// The fixture's inputs, split by the graph's input shapes.
  static func inputs(_ name: String, for graph: Graph) throws -> [Tensor] {
    try RawFloats.split(
      try floats(name, ".input.f32"), shapes: graph.inputs.map { graph[$0].shape })
  }
}
