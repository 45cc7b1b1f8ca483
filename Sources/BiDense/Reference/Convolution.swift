extension Interpreter {
  /// The per-row weight scale `a`: the mean |W| over every dimension but the first, so per
  /// output channel for a convolution and per input channel for a transposed one.
  public static func binaryWeightScales(_ conv: Convolution) -> [Float] {
    let rows = conv.weightShape[0]
    let rowLength = conv.weight.count / rows
    return (0..<rows).map { r in
      var total = 0.0
      for w in conv.weight[(r * rowLength)..<((r + 1) * rowLength)] { total += Double(abs(w)) }
      return Float(total / Double(rowLength))
    }
  }

  /// The same convolution with its weights replaced by a · sign(W).
  public static func binarizedWeights(_ conv: Convolution) -> Convolution {
    var result = conv
    let scales = binaryWeightScales(conv)
    let rowLength = conv.weight.count / scales.count
    for i in conv.weight.indices { result.weight[i] = scales[i / rowLength] * sign(conv.weight[i]) }
    return result
  }

  /// F.conv2d / F.conv_transpose2d with zero padding, dilation, groups and optional bias,
  /// accumulated in double.
  public static func convolve(_ x: Tensor, _ conv: Convolution, _ outShape: TensorShape) -> Tensor {
    var sums = [Double](repeating: 0, count: outShape.count)
    let w = conv.window
    let inShape = x.shape
    let inPerGroup = conv.inChannelsPerGroup
    for o in 0..<conv.outChannels {
      let group = o / conv.outChannelsPerGroup
      for ci in 0..<inPerGroup {
        let c = group * inPerGroup + ci
        for i in 0..<w.kernelH {
          for j in 0..<w.kernelW {
            let weight = Double(
              conv.weight[conv.weightIndex(output: o, groupInput: ci, tap: i * w.kernelW + j)])
            if conv.transposed {
              // out[o, iy·s − p + i·d, ix·s − p + j·d] += x[c, iy, ix] · W[c, o, i, j]
              for iy in 0..<inShape.height {
                let oy = iy * w.strideH - w.padH + i * w.dilationH
                guard oy >= 0 && oy < outShape.height else { continue }
                for ix in 0..<inShape.width {
                  let ox = ix * w.strideW - w.padW + j * w.dilationW
                  guard ox >= 0 && ox < outShape.width else { continue }
                  sums[(o * outShape.height + oy) * outShape.width + ox] +=
                    weight * Double(x[c, iy, ix])
                }
              }
            } else {
              // out[o, oy, ox] += x[c, oy·s − p + i·d, ox·s − p + j·d] · W[o, c, i, j]
              for oy in 0..<outShape.height {
                let iy = oy * w.strideH - w.padH + i * w.dilationH
                guard iy >= 0 && iy < inShape.height else { continue }
                for ox in 0..<outShape.width {
                  let ix = ox * w.strideW - w.padW + j * w.dilationW
                  guard ix >= 0 && ix < inShape.width else { continue }
                  sums[(o * outShape.height + oy) * outShape.width + ox] +=
                    weight * Double(x[c, iy, ix])
                }
              }
            }
          }
        }
      }
    }
    var out = Tensor(zeros: outShape)
    for o in 0..<conv.outChannels {
      let bias = conv.bias?[o] ?? 0
      for p in 0..<outShape.pixels {
        let index = o * outShape.pixels + p
        out.data[index] = Float(sums[index]) + bias
      }
    }
    return out
  }
}
