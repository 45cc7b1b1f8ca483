import Foundation
import Testing

@testable import BiDenseCLI
@testable import BiDenseCodegen
@testable import BiDenseDriver
@testable import BiDenseFrontend
@testable import BiDenseIR
@testable import BiDensePasses
@testable import BiDenseReference

@Suite struct ChannelBypassTests {
  typealias Source = ChannelBypassPlan.Source

  /// docs/SEMANTICS.md "CFB": 16 -> 40 is 2 copies, 7 means of (x_j, x_{j+7}), mean(x_14, x_15).
  @Test func repeatThenMerge() throws {
    let plan = try ChannelBypassPlan(inChannels: 16, outChannels: 40, node: "t")
    #expect(plan.sources.count == 40)
    #expect(
      plan.sources[0..<32].enumerated().allSatisfy {
        $1 == Source(start: $0 % 16, stride: 1, count: 1)
      })
    #expect(plan.sources[32] == Source(start: 0, stride: 7, count: 2))
    #expect(plan.sources[38] == Source(start: 6, stride: 7, count: 2))
    #expect(plan.sources[39] == Source(start: 14, stride: 1, count: 2))
  }

  /// docs/SEMANTICS.md "CFB": 48 -> 20 is 19 means of (x_j, x_{j+19}), the mean of x_38 ... x_47.
  @Test func mergeOnly() throws {
    let plan = try ChannelBypassPlan(inChannels: 48, outChannels: 20, node: "t")
    #expect(plan.sources[0] == Source(start: 0, stride: 19, count: 2))
    #expect(plan.sources[18] == Source(start: 18, stride: 19, count: 2))
    #expect(plan.sources[19] == Source(start: 38, stride: 1, count: 10))
  }

  @Test func interpreterAveragesTheRightChannels() {
    let shape = TensorShape(channels: 4, height: 1, width: 1)
    let out = Interpreter.channelBypass(Tensor(shape: shape, data: [1, 2, 4, 8]), outChannels: 2)
    // merge 2: m = 1, R = 2: channel 0 = mean(x0, x1), channel 1 = mean(x2, x3).
    #expect(out.data == [1.5, 6])
  }

  @Test func mergeOfOneIsRejected() {
    #expect(throws: BiDenseError.self) {
      try ChannelBypassPlan(inChannels: 8, outChannels: 1, node: "t")
    }
    #expect(throws: BiDenseError.self) {
      try ChannelBypassPlan(inChannels: 8, outChannels: 17, node: "t")
    }
  }
}

@Suite struct SafetensorsTests {
  func file(_ dtype: String, _ shape: [Int], _ payload: [UInt8]) -> Data {
    let header =
      "{\"t\": {\"dtype\": \"\(dtype)\", \"shape\": \(shape), \"data_offsets\": [0, \(payload.count)]}}"
    var data = Data()
    var length = UInt64(header.utf8.count).littleEndian
    withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
    data.append(contentsOf: Array(header.utf8) + payload)
    return data
  }

  @Test func roundTripsFloat32() throws {
    let values: [Float] = [1.5, -0.0, .infinity, 3e-39]
    let data = Safetensors.serialize(["w": NamedTensor(shape: [2, 2], values: values)])
    let read = try Safetensors.parse(data)
    #expect(read["w"]?.shape == [2, 2])
    #expect(read["w"]?.values.map(\.bitPattern) == values.map(\.bitPattern))
  }

  @Test func widensFloat16() throws {
    // 1.0, -2.0, 65504 (largest half), 2^-24 (smallest subnormal), +inf
    let halves: [UInt16] = [0x3C00, 0xC000, 0x7BFF, 0x0001, 0x7C00]
    let bytes = halves.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    let read = try Safetensors.parse(file("F16", [5], bytes))
    #expect(read["t"]?.values == [1, -2, 65504, 0x1p-24, .infinity])
  }

  @Test func widensBFloat16() throws {
    let words: [UInt16] = [0x3F80, 0xC040]  // 1.0, -3.0
    let bytes = words.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    #expect(try Safetensors.parse(file("BF16", [2], bytes))["t"]?.values == [1, -3])
  }

  @Test func skipsBatchCounters() throws {
    let header =
      "{\"norm.num_batches_tracked\": {\"dtype\": \"I64\", \"shape\": [], \"data_offsets\": [0, 8]}}"
    var data = Data()
    var length = UInt64(header.utf8.count).littleEndian
    withUnsafeBytes(of: &length) { data.append(contentsOf: $0) }
    data.append(contentsOf: Array(header.utf8) + [UInt8](repeating: 0, count: 8))
    #expect(try Safetensors.parse(data).isEmpty)
  }

  @Test func rejectsAByteCountThatDisagreesWithTheShape() {
    #expect(throws: BiDenseError.self) { try Safetensors.parse(file("F32", [3], [0, 0, 0, 0])) }
  }
}

@Suite struct JSONTests {
  @Test func parsesNumbersStringsAndEscapes() throws {
    let json = try JSON.parse(
      Data(#"{"a": [1, -2.5e1, 0], "b": "x\"\u00e9\n", "c": true, "d": null}"#.utf8))
    #expect(try json.require("a").array().map { try $0.double() } == [1, -25, 0])
    #expect(try json.require("b").string() == "x\"\u{e9}\n")
    #expect(try json.require("c").bool())
    #expect(json["d"] == nil)
  }

  @Test func rejectsMalformedInput() {
    for text in ["", "{", "[1,]", "{\"a\" 1}", "01", "\"unterminated", "[1] x", "{\"a\": tru}"] {
      #expect(throws: BiDenseError.self, "\(text)") { try JSON.parse(Data(text.utf8)) }
    }
  }

  @Test func deepNestingIsAnErrorNotACrash() {
    let text = String(repeating: "[", count: 100_000)
    #expect(throws: BiDenseError.self) { try JSON.parse(Data(text.utf8)) }
  }

  @Test func errorsNameThePath() throws {
    let json = try JSON.parse(Data(#"{"constructor": {"stride": "two"}}"#.utf8))
    let error = #expect(throws: BiDenseError.self) {
      try json.require("constructor").require("stride").int()
    }
    #expect(error?.message.contains("constructor.stride") == true)
  }
}

@Suite struct CTextTests {
  @Test func identifiersAreSafe() {
    #expect(CText.identifier("stages.0.1/conv") == "stages_0_1_conv")
    #expect(CText.identifier("9lives") == "m_9lives")
    #expect(CText.identifier("*/;\"") == "model")
    #expect(CText.identifier("naïve name") == "na_ve_name")
  }

  @Test func commentsCannotBeClosed() {
    let text = CText.comment("a */ b /* c **/ d\n")
    #expect(!text.contains("*/") && !text.contains("/*") && !text.contains("\n"))
  }

  @Test func stringLiteralsEscapeEverythingRisky() {
    #expect(CText.stringLiteral("a\"b\\c??=\n") == #""a\"b\\c\?\?=\012""#)
  }

  @Test func floatLiteralsRoundTrip() {
    for value: Float in [0.1, -1, 1e-38, 3.4028235e38, 1.0000001, 0x1p-149] {
      let text = CText.float(value)
      #expect(text.hasSuffix("f"))
      #expect(Float(String(text.dropLast())) == value, "\(text)")
    }
    #expect(CText.float(.nan) == "NAN")
    #expect(CText.float(-.infinity) == "-INFINITY")
  }
}

@Suite struct MemoryPlanTests {
  /// Buffers live at the same time never overlap, and the peak is at least the lower bound.
  @Test func liveBuffersDoNotOverlap() throws {
    let model = try CompiledModel(
      try Examples.named(Examples.defaultName)!.build(),
      options: CompileOptions(prefix: "m", source: "test"))
    let plan = model.plan
    for a in plan.buffers {
      for b in plan.buffers where a.owner != b.owner {
        let together = a.firstUse <= b.lastUse && b.firstUse <= a.lastUse
        let apart = a.offset + a.bytes <= b.offset || b.offset + b.bytes <= a.offset
        #expect(!together || apart)
      }
    }
    #expect(plan.workspaceBytes >= plan.lowerBound)
  }
}
