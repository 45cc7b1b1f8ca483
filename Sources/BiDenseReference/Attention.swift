import BiDenseIR
import Dispatch

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
    let signs = qkv.data.map { Int32(Ternary.sign($0)) }
    out.data.withUnsafeMutableBufferPointer { output in
      let base = UncheckedSendable(output.baseAddress!)
      DispatchQueue.concurrentPerform(iterations: tokens) { i in
        var scores = [Int32](repeating: 0, count: tokens)
        var counts = [Int32](repeating: 0, count: headDim)
        for h in 0..<heads {
          let q = i * width + h * headDim
          let k = dim + h * headDim
          let v = 2 * dim + h * headDim
          var best = Int32.min
          for j in 0..<tokens {
            var g: Int32 = 0
            for d in 0..<headDim { g &+= signs[q + d] &* signs[j * width + k + d] }
            scores[j] = g
            best = max(best, g)
          }
          for d in 0..<headDim { counts[d] = 0 }
          for j in 0..<tokens where Int(best - scores[j]) <= margin {
            for d in 0..<headDim { counts[d] &+= signs[j * width + v + d] }
          }
          for d in 0..<headDim { base.value[i * dim + h * headDim + d] = Float(counts[d]) }
        }
      }
    }
    return out
  }
}
