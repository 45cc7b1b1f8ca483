import BiDenseIR
import Dispatch

extension Interpreter {
  /// The same convolution with its weights replaced by a · sign(W).
  public static func binarizedWeights(_ conv: Convolution) -> Convolution {
    var result = conv
    let scales = conv.binaryWeightScales
    let rowLength = conv.weight.count / scales.count
    for i in conv.weight.indices { result.weight[i] = scales[i / rowLength] * sign(conv.weight[i]) }
    return result
  }

  /// F.conv2d / F.conv_transpose2d with zero padding, dilation, groups and optional bias,
  /// accumulated in double. Output channels are independent, so they are spread over the
  /// processor's cores; each one is a plain loop over input channels, taps and positions.
  public static func convolve(_ x: Tensor, _ conv: Convolution, _ outShape: TensorShape) -> Tensor {
    var out = Tensor(zeros: outShape)
    let outPixels = outShape.pixels
    x.data.withUnsafeBufferPointer { input in
      out.data.withUnsafeMutableBufferPointer { output in
        let outputBase = UncheckedSendable(output.baseAddress!)
        let inputBase = UncheckedSendable(input.baseAddress!)
        DispatchQueue.concurrentPerform(iterations: conv.outChannels) { o in
          var sums = [Double](repeating: 0, count: outPixels)
          sums.withUnsafeMutableBufferPointer { sums in
            accumulate(o, conv, inputBase.value, x.shape, into: sums.baseAddress!, outShape)
          }
          let bias = conv.bias?[o] ?? 0
          let row = outputBase.value + o * outPixels
          for p in 0..<outPixels { row[p] = Float(sums[p]) + bias }
        }
      }
    }
    return out
  }

  /// Adds every input channel's contribution to output channel `o` into `sums`.
  private static func accumulate(
    _ o: Int, _ conv: Convolution, _ x: UnsafePointer<Float>, _ inShape: TensorShape,
    into sums: UnsafeMutablePointer<Double>, _ outShape: TensorShape
  ) {
    let w = conv.window
    let inPerGroup = conv.inChannelsPerGroup
    let group = o / conv.outChannelsPerGroup
    for ci in 0..<inPerGroup {
      let plane = x + (group * inPerGroup + ci) * inShape.pixels
      for i in 0..<w.kernelH {
        for j in 0..<w.kernelW {
          let tap = i * w.kernelW + j
          let weight = Double(conv.weight[conv.weightIndex(output: o, groupInput: ci, tap: tap)])
          if conv.transposed {
            // out[o, iy·s − p + i·d, ix·s − p + j·d] += x[c, iy, ix] · W[c, o, i, j]
            let columns = positions(
              inShape.width, outShape.width, w.strideW, w.padW - j * w.dilationW)
            for iy in 0..<inShape.height {
              let oy = iy * w.strideH - w.padH + i * w.dilationH
              guard oy >= 0 && oy < outShape.height else { continue }
              let source = plane + iy * inShape.width
              let target = sums + oy * outShape.width
              for ix in columns {
                target[ix * w.strideW - w.padW + j * w.dilationW] += weight * Double(source[ix])
              }
            }
          } else {
            // out[o, oy, ox] += x[c, oy·s − p + i·d, ox·s − p + j·d] · W[o, c, i, j]
            let columns = positions(
              outShape.width, inShape.width, w.strideW, w.padW - j * w.dilationW)
            for oy in 0..<outShape.height {
              let iy = oy * w.strideH - w.padH + i * w.dilationH
              guard iy >= 0 && iy < inShape.height else { continue }
              let source = plane + iy * inShape.width
              let target = sums + oy * outShape.width
              for ox in columns {
                target[ox] += weight * Double(source[ox * w.strideW - w.padW + j * w.dilationW])
              }
            }
          }
        }
      }
    }
  }

  /// The positions q in 0..<count whose partner q·stride − offset lies in 0..<limit: the
  /// columns a tap reaches without falling into the padding.
  private static func positions(_ count: Int, _ limit: Int, _ stride: Int, _ offset: Int)
    -> Range<Int>
  {
    // q·stride − offset ≥ 0  ⇔  q ≥ ceil(offset / stride); q·stride − offset < limit.
    let low = offset <= 0 ? 0 : (offset + stride - 1) / stride
    let high = (limit - 1 + offset) < 0 ? -1 : (limit - 1 + offset) / stride
    return min(low, count)..<max(min(high + 1, count), min(low, count))
  }
}

/// A pointer handed to concurrent workers that write disjoint parts of one buffer.
struct UncheckedSendable<T>: @unchecked Sendable {
  let value: T
  init(_ value: T) { self.value = value }
}
