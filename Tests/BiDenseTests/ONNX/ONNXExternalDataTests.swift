import Foundation
import Testing

@testable import BiDenseFrontend
@testable import BiDenseIR

/// External data beside the model: read by location, offset and length, and kept inside the
/// model's folder whatever the location says.
@Suite struct ONNXExternalDataTests {
  /// A fresh folder holding `model.onnx`, whose one FLOAT [4] initializer points at
  /// `entries`, and the given extra files.
  private func folder(
    entries: [(String, String)], files: [String: [UInt8]] = [:]
  ) throws -> String {
    let path = FileManager.default.temporaryDirectory.path + "/onnx-external-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    let bytes = tensorModelBytes { tensor in
      tensor.int(1, 4)
      tensor.int(2, 1)
      for (key, value) in entries {
        tensor.message(13) { entry in
          entry.string(1, key)
          entry.string(2, value)
        }
      }
      tensor.int(14, 1)
    }
    try Data(bytes).write(to: URL(fileURLWithPath: path + "/model.onnx"))
    for (name, contents) in files {
      let file = path + "/" + name
      try FileManager.default.createDirectory(
        atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
      try Data(contents).write(to: URL(fileURLWithPath: file))
    }
    return path
  }

  private let values: [Float] = [1, -2, 0.5, 8]
  private var payload: [UInt8] { values.flatMap { littleEndian($0.bitPattern) } }

  private func loadError(_ folder: String) -> BiDenseError? {
    defer { try? FileManager.default.removeItem(atPath: folder) }
    return #expect(throws: BiDenseError.self) {
      _ = try ONNXModel(contentsOfFile: folder + "/model.onnx")
    }
  }

  @Test func offsetAndLength() throws {
    let path = try folder(
      entries: [("location", "data/w.bin"), ("offset", "8"), ("length", "16")],
      files: ["data/w.bin": [UInt8](repeating: 0xEE, count: 8) + payload + [0xEE]])
    defer { try? FileManager.default.removeItem(atPath: path) }
    let model = try ONNXModel(contentsOfFile: path + "/model.onnx")
    #expect(try model.graph.initializers[0].floatValues() == values)
  }

  @Test func wholeFileWithoutOffsetOrLength() throws {
    let path = try folder(
      entries: [("location", "./w.bin"), ("checksum", "ignored")], files: ["w.bin": payload])
    defer { try? FileManager.default.removeItem(atPath: path) }
    let model = try ONNXModel(contentsOfFile: path + "/model.onnx")
    #expect(try model.graph.initializers[0].floatValues() == values)
  }

  @Test func inMemoryModelsLeaveExternalDataForLater() throws {
    let path = try folder(entries: [("location", "w.bin")], files: ["w.bin": payload])
    defer { try? FileManager.default.removeItem(atPath: path) }
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path + "/model.onnx")))
    var model = try ONNXModel(serialized: bytes, file: "model.onnx")
    let error = #expect(throws: BiDenseError.self) {
      try model.graph.initializers[0].floatValues()
    }
    #expect(error?.message.contains("not loaded") == true)
    try model.loadExternalData(relativeTo: path)
    #expect(try model.graph.initializers[0].floatValues() == values)
  }

  @Test(arguments: [
    ("../w.bin", "'..'"), ("sub/../../w.bin", "'..'"), ("/etc/passwd", "absolute"),
    ("sub\\..\\w.bin", "'\\'"), ("", "empty"),
  ])
  func locationsThatLeaveTheFolderAreRefused(_ location: String, _ reason: String) throws {
    let error = loadError(try folder(entries: [("location", location)]))
    #expect(readPath(error) == "graph.initializer[0].external_data")
    #expect(error?.message.contains(reason) == true, "\(error?.message ?? "")")
  }

  @Test func symbolicLinkOutOfTheFolderIsRefused() throws {
    let outside = FileManager.default.temporaryDirectory.path + "/outside-\(UUID().uuidString).bin"
    try Data(payload).write(to: URL(fileURLWithPath: outside))
    defer { try? FileManager.default.removeItem(atPath: outside) }
    let path = try folder(entries: [("location", "link.bin")])
    try FileManager.default.createSymbolicLink(
      atPath: path + "/link.bin", withDestinationPath: outside)
    let error = loadError(path)
    #expect(error?.message.contains("outside the model's folder") == true)
  }

  @Test func rangesAndNumbersAreChecked() throws {
    let cases: [([(String, String)], String)] = [
      ([("location", "w.bin"), ("offset", "17")], "past the end"),
      ([("location", "w.bin"), ("offset", "8"), ("length", "16")], "runs past the end"),
      ([("location", "w.bin"), ("length", "12")], "needs 16 bytes"),
      ([("location", "w.bin"), ("offset", "-1")], "not a byte count"),
      ([("location", "w.bin"), ("offset", "1e3")], "not a byte count"),
      ([("location", "w.bin"), ("length", "99999999999999999999999")], "not a byte count"),
      ([("location", "missing.bin")], "names no file"),
      ([("offset", "0")], "no 'location'"),
      ([("location", "w.bin"), ("location", "w.bin")], "repeats"),
      ([("location", "sub")], "not a readable file"),
    ]
    for (entries, reason) in cases {
      let path = try folder(entries: entries, files: ["w.bin": payload, "sub/x": [0]])
      let error = loadError(path)
      #expect(error?.message.contains(reason) == true, "\(entries): \(error?.message ?? "none")")
    }
  }

  @Test func externalTensorWithInlineBytesIsMalformed() {
    let bytes = tensorModelBytes { tensor in
      tensor.int(1, 1)
      tensor.int(2, 1)
      tensor.bytes(9, [0, 0, 0, 0])
      tensor.message(13) { entry in
        entry.string(1, "location")
        entry.string(2, "w.bin")
      }
      tensor.int(14, 1)
    }
    let error = #expect(throws: BiDenseError.self) {
      _ = try ONNXModel(serialized: bytes, file: "m.onnx")
    }
    #expect(readPath(error) == "graph.initializer[0].raw_data")
  }
}
