import BiDenseCodegen
import BiDenseFrontend
import BiDenseIR
import BiDensePasses
import BiDenseReference
import BiDenseTemplates

/// How closely two float arrays agree, under docs/SEMANTICS.md "Numerics and verification":
/// |a − r| ≤ 1e-4 · max|r| + 1e-5 for every element.
public struct Agreement: CustomStringConvertible, Sendable {
  public var count: Int
  public var maxError: Float
  public var medianError: Float
  public var bound: Float
  /// The reference's largest finite magnitude.
  public var peak: Float
  /// Elements outside the bound (NaN on one side only counts as outside).
  public var outside: Int
  /// Indices of the elements outside the bound.
  public var outsideIndices: [Int]

  public static func peak(of reference: [Float]) -> Float {
    reference.reduce(Float(0)) { $1.isFinite ? max($0, abs($1)) : $0 }
  }

  public static func bound(for reference: [Float]) -> Float { bound(peak: peak(of: reference)) }

  static func bound(peak: Float) -> Float { 1e-4 * peak + 1e-5 }

  /// Above this magnitude a float32 square overflows, and with it the spread that a DAB or a
  /// LayerNorm computes: two correct implementations may then disagree.
  public static let squareOverflow = Float.greatestFiniteMagnitude.squareRoot()

  public init(actual: [Float], reference: [Float], bound explicitBound: Float? = nil) {
    precondition(actual.count == reference.count, "compared arrays differ in length")
    count = actual.count
    peak = Self.peak(of: reference)
    bound = explicitBound ?? Self.bound(peak: peak)
    var errors: [Float] = []
    errors.reserveCapacity(count)
    outsideIndices = []
    for i in 0..<count {
      let a = actual[i]
      let r = reference[i]
      let error: Float
      if a.isNaN || r.isNaN {
        error = (a.isNaN && r.isNaN) ? 0 : .infinity
      } else if a == r {
        error = 0  // equal infinities included
      } else {
        error = abs(a - r)
      }
      errors.append(error)
      if !(error <= bound) { outsideIndices.append(i) }
    }
    outside = outsideIndices.count
    maxError = errors.max() ?? 0
    let sorted = errors.sorted()
    medianError = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
  }

  public var description: String {
    "max |error| \(maxError), median \(medianError), bound \(bound), \(outside) of \(count) outside"
  }
}
