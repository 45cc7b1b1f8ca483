import BiDenseIR
import Foundation

/// The built-in example models: a model spec plus parameters made up from a seed, so that the
/// tool runs with no files at all.
public struct Example: Sendable {
  public var name: String
  public var summary: String
  /// The model spec, as a user would write it.
  public var spec: String
  public var seed: UInt64
  /// The paper's size: too large for the tests that build every example.
  public var paperSized = false

  /// The graph with seeded parameters.
  public func build(name override: String? = nil, limits: WorkLimits = .default) throws -> Graph {
    let json = try JSON.parse(Data(spec.utf8))
    let store = WeightStore.seeded(seed, source: "example \(name)")
    return try ModelSpec.build(json, weights: store, name: override ?? name, limits: limits).0
  }
}

public enum Examples {
  public static let all: [Example] = [
    Example(
      name: "bidense-conv3x3",
      summary: "one BiDenseConv2d, 16 -> 40 channels (bypass repeats and merges), 3x3, 24x32",
      spec: """
        {"module": "BiDenseConv2d",
         "constructor": {"in_channels": 16, "out_channels": 40, "kernel_size": 3, "padding": 1},
         "inputs": [[1, 16, 24, 32]]}
        """,
      seed: 3),
    Example(
      name: "upernet-depth-small",
      summary: "BiDense UperNet for depth, ConvNeXt dims 16-128, depths 1-1-2-1, 64x96 input",
      spec: """
        {"module": "BiDenseUperNetDepthModel",
         "constructor": {"max_depth": 10, "backbone": "convnext_tiny", "features": 32,
                         "backbone_dims": [16, 32, 64, 128], "backbone_depths": [1, 1, 2, 1]},
         "inputs": [[1, 3, 64, 96]]}
        """,
      seed: 17),
    Example(
      name: "upernet-seg-small",
      summary: "BiDense UperNet for segmentation (8 classes), ConvNeXt dims 16-128, 64x96 input",
      spec: """
        {"module": "BiDenseUperNetSegmentationModel",
         "constructor": {"num_classes": 8, "backbone": "convnext_tiny", "features": 32,
                         "backbone_dims": [16, 32, 64, 128], "backbone_depths": [1, 1, 2, 1]},
         "inputs": [[1, 3, 64, 96]]}
        """,
      seed: 18),
    Example(
      name: "upernet-depth-micro",
      summary: "UperNet depth sized for a microcontroller (STM32H7 class), dims 16-128, 32x48",
      spec: """
        {"module": "BiDenseUperNetDepthModel",
         "constructor": {"max_depth": 10, "backbone": "convnext_tiny", "features": 32,
                         "backbone_dims": [16, 32, 64, 128], "backbone_depths": [1, 1, 2, 1]},
         "inputs": [[1, 3, 32, 48]]}
        """,
      seed: 23),
    Example(
      name: "upernet-depth-tiny",
      summary: "the paper's configuration: UperNet depth, ConvNeXt-tiny, features 256, 416x544",
      spec: """
        {"module": "BiDenseUperNetDepthModel",
         "constructor": {"max_depth": 10, "backbone": "convnext_tiny", "features": 256},
         "inputs": [[1, 3, 416, 544]]}
        """,
      seed: 19, paperSized: true),
    Example(
      name: "dpt-depth-small",
      summary: "BiDense DPT for depth on a ViT of 48 channels, 4 blocks, 3 heads; 62x90 input, "
        + "resized to 56x84 (4x6 patches of 14)",
      spec: """
        {"module": "BiDenseDPTDepthModel",
         "constructor": {"max_depth": 10, "features": 32, "out_channels": [8, 16, 32, 64],
                         "vit_embed_dim": 48, "vit_depth": 4, "vit_heads": 3, "vit_patch": 14,
                         "vit_img_size": 98},
         "inputs": [[1, 3, 62, 90]]}
        """,
      seed: 29),
    Example(
      name: "dpt-depth-vits14",
      summary: "the paper's configuration: DPT depth on ViT-S/14 (384 channels, 12 blocks, 6 "
        + "heads), features 256, 518x518 input (resized to 504x504, 36x36 patches)",
      spec: """
        {"module": "BiDenseDPTDepthModel",
         "constructor": {"max_depth": 10},
         "inputs": [[1, 3, 518, 518]]}
        """,
      seed: 31, paperSized: true),
  ]

  public static let defaultName = "upernet-depth-small"

  public static func named(_ name: String) -> Example? {
    all.first { $0.name == name }
  }
}
