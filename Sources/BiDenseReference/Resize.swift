import BiDenseIR

extension Interpreter {
  /// Source position and weight of output coordinate `i` for bilinear interpolation with
  /// align_corners = true: src = i · (in − 1) / (out − 1), split into floor and fraction.
  public static func alignCornersSource(_ i: Int, input: Int, output: Int) -> (
    low: Int, high: Int, fraction: Float
  ) {
    let scale: Float = output > 1 ? Float(input - 1) / Float(output - 1) : 0
    let position = scale * Float(i)
    let low = min(Int(position), input - 1)
    let high = min(low + 1, input - 1)
    return (low, high, position - Float(low))
  }

  /// interpolate(mode="bilinear", align_corners=True) to the output's height and width.
  public static func resizeBilinear(_ x: Tensor, _ outShape: TensorShape) -> Tensor {
    var out = Tensor(zeros: outShape)
    for oy in 0..<outShape.height {
      let (y0, y1, fy) = alignCornersSource(oy, input: x.shape.height, output: outShape.height)
      for ox in 0..<outShape.width {
        let (x0, x1, fx) = alignCornersSource(ox, input: x.shape.width, output: outShape.width)
        for c in 0..<outShape.channels {
          let top = x[c, y0, x0] * (1 - fx) + x[c, y0, x1] * fx
          let bottom = x[c, y1, x0] * (1 - fx) + x[c, y1, x1] * fx
          out[c, oy, ox] = top * (1 - fy) + bottom * fy
        }
      }
    }
    return out
  }

  /// interpolate(mode="nearest", scale_factor=scale): out[i] = in[i / scale].
  public static func upsampleNearest(_ x: Tensor, scale: Int) -> Tensor {
    var out = Tensor(
      zeros: TensorShape(
        channels: x.shape.channels, height: x.shape.height * scale, width: x.shape.width * scale))
    for c in 0..<x.shape.channels {
      for oy in 0..<out.shape.height {
        for ox in 0..<out.shape.width { out[c, oy, ox] = x[c, oy / scale, ox / scale] }
      }
    }
    return out
  }
}

extension Interpreter {
  /// torchvision's antialiased bilinear resize: along the width first, then along the height,
  /// each output a float32 sum, in order, of its window's inputs times their weights
  /// (AntialiasedResizeAxis, shared with the generated C).
  public static func resizeAntialiased(_ x: Tensor, _ outShape: TensorShape) -> Tensor {
    let across = AntialiasedResizeAxis(input: x.shape.width, output: outShape.width)
    let down = AntialiasedResizeAxis(input: x.shape.height, output: outShape.height)
    let inHeight = x.shape.height
    var rows = [Float](repeating: 0, count: outShape.channels * inHeight * outShape.width)
    for c in 0..<outShape.channels {
      for y in 0..<inHeight {
        for ox in 0..<outShape.width {
          var sum: Float = 0
          for k in 0..<across.taps { sum += across.weights[ox][k] * x[c, y, across.starts[ox] + k] }
          rows[(c * inHeight + y) * outShape.width + ox] = sum
        }
      }
    }
    var out = Tensor(zeros: outShape)
    for c in 0..<outShape.channels {
      for oy in 0..<outShape.height {
        for ox in 0..<outShape.width {
          var sum: Float = 0
          for k in 0..<down.taps {
            sum +=
              down.weights[oy][k] * rows[(c * inHeight + down.starts[oy] + k) * outShape.width + ox]
          }
          out[c, oy, ox] = sum
        }
      }
    }
    return out
  }
}
