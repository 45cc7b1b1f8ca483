import Foundation

/// The ViT encoder's binary attention (`Attention` of `bivit_vit.py`), as integer logic. On
/// qkv [T, 3·D] with D = heads · hd, column s·D + h·hd + d holding q, k, v (s = 0, 1, 2) of
/// head h:
///
///     q, k, v = sign(qkv)                    ternary, per head [T, hd]
///     G[i, j] = q_i · k_j                    exact integers in [−hd, hd]
///     keep j  ⇔  max_j G[i, ·] − G[i, j] ≤ K,   K = ⌊ln 4 · √hd⌋
///     O[i, h·hd + d] = Σ_{kept j} v[j, d]     integer counts, not normalised
///
/// PyTorch keeps j where softmax(G·hd^−½)[i, j] ≥ ¼ of the row's maximum; that ratio is
/// exp(−(max G − G[i, j]) / √hd), so the rule is the integer rule above (docs/SEMANTICS.md).
public enum BinaryAttention {
  /// K = ⌊ln 4 · √hd⌋: how far below the row's best score a key may be and still be kept.
  public static func keepMargin(headDim: Int) -> Int {
    Int((log(4.0) * Double(headDim).squareRoot()).rounded(.down))
  }
}
