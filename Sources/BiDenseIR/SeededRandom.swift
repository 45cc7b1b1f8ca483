import Foundation

/// A small deterministic generator (SplitMix64), so that seeded inputs and example parameters
/// are the same on every machine.
public struct SeededRandom: RandomNumberGenerator, Sendable {
  private var state: UInt64

  public init(seed: UInt64) {
    state = seed
  }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A uniform float in [0, 1).
  public mutating func uniform() -> Float {
    Float(next() >> 40) * 0x1p-24
  }

  /// A standard normal float (Box-Muller).
  public mutating func normal() -> Float {
    let u1 = max(uniform(), 0x1p-24)
    let u2 = uniform()
    return (-2 * logf(u1)).squareRoot() * cosf(2 * .pi * u2)
  }

  public mutating func normals(_ count: Int, scale: Float = 1, mean: Float = 0) -> [Float] {
    (0..<count).map { _ in mean + scale * normal() }
  }
}
