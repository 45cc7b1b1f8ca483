import Foundation

/// GELU with the exact erf, in float32 as PyTorch's CPU kernel computes it, and the sign of
/// its value as the ViT's fc2 binarizes it.
public enum GELU {
  /// `x * 0.5 * (1 + erf(x * M_SQRT1_2))`, left to right, in float32.
  @inline(__always)
  public static func value(_ x: Float) -> Float {
    let half = x * 0.5
    return half * (1 + erf(x * Float(0.5.squareRoot())))
  }

  /// Where float32 GELU stops being 0 from below: every h ≤ this gives −0 (erf(h/√2) rounds
  /// to −1), every h in (this, 0) a negative value. Found once by trying every float of the
  /// region around −5.54 with `value` itself, so that the generated C, which decides the sign
  /// from h with this constant and evaluates no erf, agrees with the interpreter exactly on
  /// every target. A region that is not one cut (an erf that is not monotone there) is a
  /// fatal inconsistency of this machine's libm, reported at once.
  public static let underflowThreshold: Float = {
    var h: Float = -5.75
    precondition(value(h) == 0, "float32 GELU(-5.75) is not 0 with this erf")
    while value(h.nextUp) == 0 { h = h.nextUp }
    var above = h.nextUp
    while above < -5.3 {
      precondition(value(above) != 0, "float32 GELU is not 0 on one interval with this erf")
      above = above.nextUp
    }
    return h
  }()

  /// sign(GELU(h)) ∈ {−1, 0, +1} from h alone: the sign of h/2, except 0 at or below the
  /// underflow threshold.
  @inline(__always)
  public static func sign(_ h: Float) -> Int8 {
    let half = h * 0.5
    if half > 0 { return 1 }
    return half < 0 && h > underflowThreshold ? -1 : 0
  }
}
