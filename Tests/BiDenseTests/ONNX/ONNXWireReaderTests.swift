import Testing

@testable import BiDenseFrontend
@testable import BiDenseIR

@Suite struct ONNXWireReaderTests {
  private func reader(_ bytes: [UInt8]) -> WireReader { WireReader(bytes: bytes) }

  @Test func varintsUpToSixtyFourBits() throws {
    for value: UInt64 in [0, 1, 127, 128, 300, 1 << 35, UInt64(Int64.max), UInt64.max] {
      var writer = ProtoWriter()
      writer.varint(value)
      var wire = reader(writer.bytes)
      #expect(try wire.readVarint() == value)
      #expect(wire.isAtEnd)
    }
  }

  @Test func varintLongerThanSixtyFourBitsIsRejected() {
    // Ten bytes whose last holds more than the top bit, then an eleventh.
    var wire = reader([UInt8](repeating: 0xFF, count: 9) + [0x02])
    let error = #expect(throws: WireError.self) { try wire.readVarint() }
    #expect(error?.message.contains("longer than 64 bits") == true)
    var long = reader([UInt8](repeating: 0x80, count: 11) + [0x00])
    #expect(throws: WireError.self) { try long.readVarint() }
  }

  @Test func truncatedVarint() {
    var wire = reader([0x80, 0x80])
    let error = #expect(throws: WireError.self) { try wire.readVarint() }
    #expect(error?.offset == 0)
  }

  @Test func tagsSplitFieldAndWireType() throws {
    var writer = ProtoWriter()
    writer.tag(536_870_911, 2)
    writer.tag(1, 5)
    var wire = reader(writer.bytes)
    let first = try wire.readTag()
    #expect(first.field == 536_870_911 && first.wireType == .lengthDelimited)
    let second = try wire.readTag()
    #expect(second.field == 1 && second.wireType == .fixed32)
  }

  @Test func badTagsAreRejected() {
    // Field 0; wire types 6 and 7; field number 2^30.
    for bytes: [UInt8] in [[0x02], [0x0E], [0x0F], [0x80, 0x80, 0x80, 0x80, 0x20]] {
      var wire = reader(bytes)
      let error = #expect(throws: WireError.self) { try wire.readTag() }
      #expect(
        error?.message.contains("out of range") == true
          || error?.message.contains("wire type") == true)
    }
  }

  @Test func lengthDelimitedStaysInsideItsMessage() throws {
    var wire = reader([0x03, 0x61, 0x62, 0x63, 0x05, 0x61])
    #expect(try wire.readLengthDelimited() == 1..<4)
    let error = #expect(throws: WireError.self) { try wire.readLengthDelimited() }
    #expect(error?.message.contains("length 5") == true)
  }

  @Test func hugeLengthDoesNotOverflow() {
    var writer = ProtoWriter()
    writer.varint(UInt64.max)
    var wire = reader(writer.bytes + [1, 2, 3])
    #expect(throws: WireError.self) { try wire.readLengthDelimited() }
  }

  @Test func nestedReaderSeesOnlyItsRange() throws {
    var wire = WireReader(bytes: [0x08, 0x01, 0x08, 0x02], range: 0..<2)
    _ = try wire.readTag()
    #expect(try wire.readVarint() == 1)
    #expect(wire.isAtEnd)
  }

  @Test func fixedWidthValuesAreLittleEndian() throws {
    var wire = reader([0x00, 0x00, 0x80, 0x3F] + littleEndian(Double(2.5).bitPattern))
    #expect(Float(bitPattern: try wire.readFixed32()) == 1)
    #expect(Double(bitPattern: try wire.readFixed64()) == 2.5)
    #expect(throws: WireError.self) { try wire.readFixed32() }
  }

  @Test func unknownFieldsAreSkippedByWireType() throws {
    var writer = ProtoWriter()
    writer.int(1, -1)
    writer.double(2, 1)
    writer.string(3, "skipped")
    writer.float(4, 1)
    var wire = reader(writer.bytes)
    while !wire.isAtEnd { try wire.skipField(try wire.readTag()) }
  }

  @Test func groupsAreRejected() {
    for wireType: UInt8 in [3, 4] {
      var writer = ProtoWriter()
      writer.tag(7, wireType)
      var wire = reader(writer.bytes)
      let error = #expect(throws: WireError.self) { try wire.skipField(try wire.readTag()) }
      #expect(error?.message.contains("group") == true)
    }
  }

  @Test func packedAndUnpackedRepeatedFieldsBothRead() throws {
    var writer = ProtoWriter()
    writer.int(1, 5)
    writer.packedVarints(1, [6, 7])
    writer.float(2, 1.5)
    writer.packedFloats(2, [2.5, -3])
    var wire = reader(writer.bytes)
    var budget = ElementBudget(limit: 100)
    var ints: [UInt64] = []
    var floats: [UInt32] = []
    while !wire.isAtEnd {
      let tag = try wire.readTag()
      if tag.field == 1 {
        try wire.appendVarints(tag, to: &ints, budget: &budget)
      } else {
        try wire.appendFixed32s(tag, to: &floats, budget: &budget)
      }
    }
    #expect(ints == [5, 6, 7])
    #expect(floats.map(Float.init(bitPattern:)) == [1.5, 2.5, -3])
    #expect(budget.remaining == 94)
  }

  @Test func packedRunMustHoldWholeValues() {
    var writer = ProtoWriter()
    writer.bytes(2, [1, 2, 3, 4, 5])
    var wire = reader(writer.bytes)
    var budget = ElementBudget(limit: 100)
    var floats: [UInt32] = []
    let error = #expect(throws: WireError.self) {
      try wire.appendFixed32s(try wire.readTag(), to: &floats, budget: &budget)
    }
    #expect(error?.message.contains("multiple of 4") == true)
  }

  @Test func budgetStopsLongPackedRuns() {
    var writer = ProtoWriter()
    writer.packedVarints(1, [UInt64](repeating: 1, count: 50))
    var wire = reader(writer.bytes)
    var budget = ElementBudget(limit: 10)
    var ints: [UInt64] = []
    let error = #expect(throws: WireError.self) {
      try wire.appendVarints(try wire.readTag(), to: &ints, budget: &budget)
    }
    #expect(error?.message.contains("more than 10 repeated entries") == true)
  }
}

@Suite struct UTF8Tests {
  @Test func validTextDecodes() {
    #expect(decodeUTF8(Array("conv.weight ∑ 😀".utf8)) == "conv.weight ∑ 😀")
    #expect(decodeUTF8([UInt8]()) == "")
  }

  @Test func invalidSequencesAreRejected() {
    // Stray continuation, truncated sequence, overlong '/', UTF-16 surrogate, beyond U+10FFFF.
    for bytes: [UInt8] in [
      [0x80], [0xE2, 0x88], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
    ] {
      #expect(decodeUTF8(bytes) == nil, "\(bytes)")
    }
  }
}
