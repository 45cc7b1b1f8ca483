import BiDenseIR
import Foundation

/// External data: a tensor whose bytes live in a file beside the model, named by
/// `external_data` entries `location` (a path relative to the model's folder), `offset` and
/// `length` (decimal byte counts). The location comes from the file being read, so it is
/// treated as hostile: it must stay inside the model's folder, after symbolic links too.
struct ONNXExternalDataReference: Sendable, Equatable {
  var location: String
  var offset: Int
  /// nil: up to the end of the file.
  var length: Int?

  init(location: String, offset: Int = 0, length: Int? = nil) {
    self.location = location
    self.offset = offset
    self.length = length
  }
}

extension ONNXTensor {
  /// The parsed `external_data` entries. Unknown keys (`checksum`, ...) are ignored.
  func externalDataReference() throws -> ONNXExternalDataReference {
    var location: String?
    var offset: Int?
    var length: Int?
    for (index, entry) in externalData.enumerated() {
      let field = "external_data[\(index)]"
      switch entry.key {
      case "location":
        guard location == nil else { throw error(field, "repeats 'location'") }
        location = entry.value
      case "offset", "length":
        guard let number = Int(entry.value), number >= 0,
          entry.value.allSatisfy({ ("0"..."9").contains($0) })
        else {
          throw error(
            field,
            "\(entry.key) '\(printable(entry.value))' is not a byte count")
        }
        if entry.key == "offset" {
          guard offset == nil else { throw error(field, "repeats 'offset'") }
          offset = number
        } else {
          guard length == nil else { throw error(field, "repeats 'length'") }
          length = number
        }
      default: continue
      }
    }
    guard let location else {
      throw error("external_data", "has no 'location' entry")
    }
    try Self.checkConfined(location) { message in error("external_data", message) }
    return ONNXExternalDataReference(location: location, offset: offset ?? 0, length: length)
  }

  /// A location is a relative path whose components never climb: no `..`, no leading `/`,
  /// no `\` (a Windows separator here would hide a `..`), no NUL.
  static func checkConfined(
    _ location: String, _ failure: (String) -> BiDenseError
  ) throws {
    let shown = "location '\(printable(location))'"
    if location.isEmpty { throw failure("\(shown) is empty") }
    if location.hasPrefix("/") { throw failure("\(shown) is absolute; it must be relative") }
    if location.contains("\\") { throw failure("\(shown) contains '\\'; use '/'") }
    if location.utf8.contains(0) { throw failure("\(shown) contains a NUL byte") }
    if location.split(separator: "/", omittingEmptySubsequences: false).contains("..") {
      throw failure("\(shown) climbs out of the model's folder with '..'")
    }
  }

  /// Reads this tensor's external bytes into `rawData`. `directory` is the model's folder.
  mutating func loadExternalData(relativeTo directory: String) throws {
    let reference = try externalDataReference()
    let shown = "location '\(printable(reference.location))'"
    let original = self
    let fail = { (message: String) in original.error("external_data", message) }
    guard let folder = Self.realPath(directory.isEmpty ? "." : directory) else {
      throw fail("the model's folder '\(printable(directory))' cannot be resolved")
    }
    guard let target = Self.realPath(folder + "/" + reference.location) else {
      throw fail("\(shown) names no file in '\(printable(folder))'")
    }
    // Symbolic links are resolved before the check, so a link cannot lead outside either.
    guard target.hasPrefix(folder.hasSuffix("/") ? folder : folder + "/") else {
      throw fail("\(shown) resolves to '\(printable(target))', outside the model's folder")
    }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory),
      !isDirectory.boolValue, let handle = FileHandle(forReadingAtPath: target)
    else {
      throw fail("\(shown) is not a readable file")
    }
    defer { try? handle.close() }
    let count = try elementCount()
    guard let expected = dataType.byteCount(elements: count) else {
      throw original.error("data_type", "is \(dataType), which has no raw form")
    }
    let data: Data
    do {
      // The throwing FileHandle calls: the older ones trap on an I/O error.
      let fileSize = Int(try handle.seekToEnd())
      guard reference.offset <= fileSize else {
        throw fail("offset \(reference.offset) is past the end of \(shown) (\(fileSize) bytes)")
      }
      let length = reference.length ?? (fileSize - reference.offset)
      guard length <= fileSize - reference.offset else {
        throw fail(
          "offset \(reference.offset) + length \(length) runs past the end of \(shown) "
            + "(\(fileSize) bytes)")
      }
      guard length == expected else {
        throw fail(
          "length \(length) does not fit \(dataType) \(dims), which needs \(expected) bytes")
      }
      try handle.seek(toOffset: UInt64(reference.offset))
      data = try handle.read(upToCount: length) ?? Data()
    } catch let error as BiDenseError {
      throw error
    } catch {
      throw fail("\(shown) cannot be read: \(error.localizedDescription)")
    }
    guard data.count == expected else {
      throw fail("\(shown) gave \(data.count) of \(expected) bytes")
    }
    rawData = [UInt8](data)
  }

  private static func realPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
  }
}

extension ONNXModel {
  /// Loads the bytes of every external tensor (initializers, and tensor attributes in every
  /// graph and subgraph) from files in `directory`, the model's folder.
  mutating func loadExternalData(relativeTo directory: String) throws {
    try graph.loadExternalData(relativeTo: directory)
  }
}

extension ONNXGraph {
  fileprivate mutating func loadExternalData(relativeTo directory: String) throws {
    for index in initializers.indices where initializers[index].dataLocation == .external {
      try initializers[index].loadExternalData(relativeTo: directory)
    }
    for node in nodes.indices {
      for index in nodes[node].attributes.indices {
        try nodes[node].attributes[index].loadExternalData(relativeTo: directory)
      }
    }
  }
}

extension ONNXAttribute {
  fileprivate mutating func loadExternalData(relativeTo directory: String) throws {
    if var tensor = t, tensor.dataLocation == .external {
      try tensor.loadExternalData(relativeTo: directory)
      t = tensor
    }
    for index in tensors.indices where tensors[index].dataLocation == .external {
      try tensors[index].loadExternalData(relativeTo: directory)
    }
    if var graph = g {
      try graph.loadExternalData(relativeTo: directory)
      g = graph
    }
    for index in graphs.indices {
      try graphs[index].loadExternalData(relativeTo: directory)
    }
  }
}
