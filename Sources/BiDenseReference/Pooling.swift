import BiDenseIR

extension Interpreter {
  /// AvgPool2d with count_include_pad = true and ceil_mode = false.
  public static func avgPool(_ x: Tensor, _ w: Window, _ outShape: TensorShape) -> Tensor {
    var out = Tensor(zeros: outShape)
    let divisor = Float(w.kernelH * w.kernelW)
    for c in 0..<outShape.channels {
      for oy in 0..<outShape.height {
        for ox in 0..<outShape.width {
          var sum: Float = 0
          for i in 0..<w.kernelH {
            let iy = oy * w.strideH - w.padH + i
            guard iy >= 0 && iy < x.shape.height else { continue }
            for j in 0..<w.kernelW {
              let ix = ox * w.strideW - w.padW + j
              guard ix >= 0 && ix < x.shape.width else { continue }
              sum += x[c, iy, ix]
            }
          }
          out[c, oy, ox] = sum / divisor
        }
      }
    }
    return out
  }

  /// The input span of adaptive pooling bin `i` of `bins` over `size` positions:
  /// floor(i·size/bins) ..< ceil((i+1)·size/bins).
  public static func adaptiveBin(_ i: Int, bins: Int, size: Int) -> Range<Int> {
    let start = (i * size) / bins
    let end = ((i + 1) * size + bins - 1) / bins
    return start..<end
  }

  /// AdaptiveAvgPool2d to the output's height and width.
  public static func adaptiveAvgPool(_ x: Tensor, _ outShape: TensorShape) -> Tensor {
    var out = Tensor(zeros: outShape)
    for c in 0..<outShape.channels {
      for oy in 0..<outShape.height {
        let rows = adaptiveBin(oy, bins: outShape.height, size: x.shape.height)
        for ox in 0..<outShape.width {
          let cols = adaptiveBin(ox, bins: outShape.width, size: x.shape.width)
          var sum: Float = 0
          for iy in rows {
            for ix in cols { sum += x[c, iy, ix] }
          }
          out[c, oy, ox] = sum / Float(rows.count * cols.count)
        }
      }
    }
    return out
  }
}
