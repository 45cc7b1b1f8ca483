import BiDensePasses

extension CommandLineTool {
  /// The version of bidensec, printed by `bidensec --version`. Defined here and nowhere else.
  public static let version = "0.9.0"
}
