import BiDenseIR

extension Interpreter {
  /// Binary attention (BinaryAttention in the IR): per head, ternary q, k, v from qkv
  /// [T, 3·D]; integer scores G = q·kᵀ; key j kept for query i when max G[i, ·] − G[i, j] ≤
  /// ⌊ln 4·√hd⌋; the output counts Σ_{kept j} v[j] [T, D]. No [T, T] matrix is kept: one
  /// query row at a time. A NaN anywhere in qkv makes the whole output NaN, as PyTorch's
  /// softmax spreads it.
  public static func attention(_ qkv: Tensor, heads: Int) -> Tensor {
    let tokens = qkv.shape.tokens
    let width = qkv.shape.channels
    let dim = width / 3
    let headDim = dim / heads
    let margin = BinaryAttention.keepMargin(headDim: headDim)
    var out = Tensor(zeros: TensorShape(tokens: tokens, channels: dim))
    if qkv.data.contains(where: \.isNaN) {
      out.data = [Float](repeating: .nan, count: out.data.count)
      return out
    }
    let signs = qkv.data.map { Int(Ternary.sign($0)) }
    var scores = [Int](repeating: 0, count: tokens)
    var counts = [Int](repeating: 0, count: headDim)
    for h in 0..<heads {
      let q = h * headDim
      let k = dim + h * headDim
      let v = 2 * dim + h * headDim
      for i in 0..<tokens {
        var best = Int.min
        for j in 0..<tokens {
          var g = 0
          for d in 0..<headDim { g += signs[i * width + q + d] * signs[j * width + k + d] }
          scores[j] = g
          best = max(best, g)
        }
        for d in 0..<headDim { counts[d] = 0 }
        for j in 0..<tokens where best - scores[j] <= margin {
          for d in 0..<headDim { counts[d] += signs[j * width + v + d] }
        }
        for d in 0..<headDim { out.data[i * dim + h * headDim + d] = Float(counts[d]) }
      }
    }
    return out
  }
}
