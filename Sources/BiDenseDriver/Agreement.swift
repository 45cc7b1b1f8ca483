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
  /// Elements outside the bound (NaN on one side only counts as outside).
  public var outside: Int
  /// Indices of the elements outside the bound.
  public var outsideIndices: [Int]

  public static func bound(for reference: [Float]) -> Float {
    let peak = reference.reduce(Float(0)) { $1.isFinite ? max($0, abs($1)) : $0 }
    return 1e-4 * peak + 1e-5
  }

  public init(actual: [Float], reference: [Float], bound explicitBound: Float? = nil) {
    precondition(actual.count == reference.count, "compared arrays differ in length")
    count = actual.count
    bound = explicitBound ?? Self.bound(for: reference)
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
