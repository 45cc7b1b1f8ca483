import BiDenseIR
import Foundation

/// A failure to read a model: one `BiDenseError` naming the file, the field path inside the
/// model (`graph.node[12].attribute[3].t.raw_data`) and the offending value, and the byte of
/// the file where reading stopped when it is known.
func readError(file: String, path: String, _ message: String, offset: Int? = nil)
  -> BiDenseError
{
  var text = path.isEmpty ? message : "\(path): \(message)"
  if let offset { text += " (at byte \(offset))" }
  return BiDenseError(file: file, text)
}

/// Refuses a model of more bytes than `limits` allow, before or after reading it.
func checkModelSize(_ size: Int, file: String, limits: ONNXReadLimits) throws {
  guard size <= limits.maximumModelBytes else {
    throw readError(
      file: file, path: "",
      "is \(size) bytes, more than the \(limits.maximumModelBytes) allowed "
        + "(protobuf encodes at most 2 GiB; larger weights go to external data)")
  }
}

extension ONNXModel {
  /// Reads a model file and the external data beside it. Every failure is a `BiDenseError`
  /// naming `path`.
  init(contentsOfFile path: String, limits: ONNXReadLimits = .standard) throws {
    let attributes = try? FileManager.default.attributesOfItem(atPath: path)
    guard let attributes, attributes[.type] as? FileAttributeType == .typeRegular else {
      throw readError(file: path, path: "", "is not a readable file")
    }
    // Checked before reading, so that a huge file is refused without loading it.
    if let size = attributes[.size] as? Int { try checkModelSize(size, file: path, limits: limits) }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw readError(file: path, path: "", "cannot be read")
    }
    self = try ONNXModel(serialized: [UInt8](data), file: path, limits: limits)
    let directory = (path as NSString).deletingLastPathComponent
    try loadExternalData(relativeTo: directory.isEmpty ? "." : directory)
  }
}
