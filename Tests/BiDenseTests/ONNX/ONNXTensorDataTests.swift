import Testing

@testable import BiDenseFrontend
@testable import BiDenseIR

/// Tensor values from raw_data and from the typed fields, packed and unpacked, for each data
/// type the accessors support; and the checks that keep a bad tensor from being converted.
@Suite struct ONNXTensorDataTests {
  private func tensor(_ write: (inout ProtoWriter) -> Void) throws -> ONNXTensor {
    let model = try ONNXModel(serialized: tensorModelBytes(write), file: "t.onnx")
    return try #require(model.graph.initializers.first)
  }

  private func tensorError(_ write: (inout ProtoWriter) -> Void) -> BiDenseError? {
    #expect(throws: BiDenseError.self) {
      _ = try ONNXModel(serialized: tensorModelBytes(write), file: "t.onnx")
    }
  }

  private func dims(_ writer: inout ProtoWriter, _ dims: [Int64]) {
    for dim in dims { writer.int(1, dim) }
  }

  private func type(_ writer: inout ProtoWriter, _ dataType: ONNXDataType) {
    writer.int(2, Int64(dataType.rawValue))
  }

  @Test func floatFromRawPackedAndUnpacked() throws {
    let values: [Float] = [1, -2.5, 0, 3e38, -.infinity]
    let raw = try tensor {
      dims(&$0, [5])
      type(&$0, .float)
      $0.bytes(9, values.flatMap { littleEndian($0.bitPattern) })
    }
    let packed = try tensor {
      dims(&$0, [5])
      type(&$0, .float)
      $0.packedFloats(4, values)
    }
    let unpacked = try tensor {
      dims(&$0, [5])
      type(&$0, .float)
      for value in values { $0.float(4, value) }
    }
    for tensor in [raw, packed, unpacked] {
      #expect(try tensor.floatValues() == values)
      #expect(tensor.shape == [5])
    }
  }

  @Test func doubleRoundsToFloat() throws {
    let values: [Double] = [0.1, -2, 1e300]
    let expected: [Float] = [0.1, -2, .infinity]
    let raw = try tensor {
      dims(&$0, [3])
      type(&$0, .double)
      $0.bytes(9, values.flatMap { littleEndian($0.bitPattern) })
    }
    let packed = try tensor {
      dims(&$0, [3])
      type(&$0, .double)
      $0.packedDoubles(10, values)
    }
    let unpacked = try tensor {
      dims(&$0, [3])
      type(&$0, .double)
      for value in values { $0.double(10, value) }
    }
    for tensor in [raw, packed, unpacked] { #expect(try tensor.floatValues() == expected) }
  }

  @Test func int64FromRawPackedAndUnpacked() throws {
    let values: [Int64] = [-1, 0, 1 << 40, .min, .max]
    let raw = try tensor {
      dims(&$0, [5])
      type(&$0, .int64)
      $0.bytes(9, values.flatMap { littleEndian($0) })
    }
    let packed = try tensor {
      dims(&$0, [5])
      type(&$0, .int64)
      $0.packedVarints(7, values.map { UInt64(bitPattern: $0) })
    }
    let unpacked = try tensor {
      dims(&$0, [5])
      type(&$0, .int64)
      for value in values { $0.int(7, value) }
    }
    for tensor in [raw, packed, unpacked] { #expect(try tensor.int64Values() == values) }
  }

  @Test func narrowIntegersFromRawAndInt32Data() throws {
    let cases: [(ONNXDataType, [Int64], Int)] = [
      (.int32, [-5, 0, Int64(Int32.max), Int64(Int32.min)], 4),
      (.int16, [-32768, 1, 32767], 2),
      (.int8, [-128, 0, 127], 1),
      (.uint16, [0, 65535], 2),
      (.uint8, [0, 200, 255], 1),
    ]
    for (dataType, values, width) in cases {
      let raw = try tensor {
        dims(&$0, [Int64(values.count)])
        type(&$0, dataType)
        $0.bytes(9, values.flatMap { Array(littleEndian($0).prefix(width)) })
      }
      // int32 fields sign-extend negatives to ten-byte varints.
      let packed = try tensor {
        dims(&$0, [Int64(values.count)])
        type(&$0, dataType)
        $0.packedVarints(5, values.map { UInt64(bitPattern: $0) })
      }
      let unpacked = try tensor {
        dims(&$0, [Int64(values.count)])
        type(&$0, dataType)
        for value in values { $0.int(5, value) }
      }
      for tensor in [raw, packed, unpacked] {
        #expect(try tensor.int64Values() == values, "\(dataType)")
      }
    }
  }

  @Test func unsignedWideIntegersUseUInt64Data() throws {
    let uint32 = try tensor {
      dims(&$0, [2])
      type(&$0, .uint32)
      $0.packedVarints(11, [7, UInt64(UInt32.max)])
    }
    #expect(try uint32.int64Values() == [7, Int64(UInt32.max)])
    let tooBig = try tensor {
      dims(&$0, [1])
      type(&$0, .uint64)
      $0.packedVarints(11, [UInt64.max])
    }
    let error = #expect(throws: BiDenseError.self) { try tooBig.int64Values() }
    #expect(error?.message.contains("which Int64 cannot hold") == true)
  }

  @Test func booleans() throws {
    let raw = try tensor {
      dims(&$0, [3])
      type(&$0, .bool)
      $0.bytes(9, [1, 0, 1])
    }
    let typed = try tensor {
      dims(&$0, [3])
      type(&$0, .bool)
      $0.packedVarints(5, [1, 0, 1])
    }
    for tensor in [raw, typed] { #expect(try tensor.int64Values() == [1, 0, 1]) }
  }

  @Test func halfPrecision() throws {
    // 1, −2, 65504 (largest), 2^−24 (smallest subnormal), −0, +inf.
    let bits: [UInt16] = [0x3C00, 0xC000, 0x7BFF, 0x0001, 0x8000, 0x7C00]
    let expected: [Float] = [1, -2, 65504, 0x1p-24, -0.0, .infinity]
    let raw = try tensor {
      dims(&$0, [6])
      type(&$0, .float16)
      $0.bytes(9, bits.flatMap { littleEndian($0) })
    }
    let typed = try tensor {
      dims(&$0, [6])
      type(&$0, .float16)
      $0.packedVarints(5, bits.map(UInt64.init))
    }
    for tensor in [raw, typed] {
      let values = try tensor.floatValues()
      #expect(values == expected)
      #expect(values[4].sign == .minus)
    }
    #expect(ONNXTensor.floatFromHalf(0x7E00).isNaN)
    #expect(ONNXTensor.floatFromHalf(0x0400) == 0x1p-14)
  }

  @Test func everyHalfMatchesSwiftFloat16() {
    // Float16 is missing only on Intel Macs.
    #if !(os(macOS) && arch(x86_64))
      let mismatches = (UInt16.min...UInt16.max).filter { bits in
        let mine = ONNXTensor.floatFromHalf(bits)
        let swift = Float(Float16(bitPattern: bits))
        return mine.bitPattern != swift.bitPattern && !(mine.isNaN && swift.isNaN)
      }
      #expect(mismatches.isEmpty)
    #endif
  }

  @Test func bfloat16() throws {
    let raw = try tensor {
      dims(&$0, [2])
      type(&$0, .bfloat16)
      $0.bytes(9, [0x80, 0x3F, 0x00, 0xC0])
    }
    #expect(try raw.floatValues() == [1, -2])
  }

  @Test func scalarAndEmptyTensors() throws {
    let scalar = try tensor {
      type(&$0, .float)
      $0.bytes(9, littleEndian(Float(0.5).bitPattern))
    }
    #expect(scalar.shape == [])
    #expect(try scalar.floatValues() == [0.5])
    let empty = try tensor {
      dims(&$0, [0, 3])
      type(&$0, .int64)
    }
    #expect(try empty.int64Values() == [])
  }

  @Test func askingForTheOtherKindIsAnError() throws {
    let ints = try tensor {
      dims(&$0, [1])
      type(&$0, .int64)
      $0.int(7, 3)
    }
    let error = #expect(throws: BiDenseError.self) { try ints.floatValues() }
    #expect(readPath(error) == "graph.initializer[0].data_type")
    #expect(error?.description.contains("'t'") == true)
  }

  @Test func rawDataOfTheWrongSize() {
    let error = tensorError {
      dims(&$0, [2, 3])
      type(&$0, .float)
      $0.bytes(9, [UInt8](repeating: 0, count: 20))
    }
    #expect(readPath(error) == "graph.initializer[0].raw_data")
    #expect(error?.message.contains("20 bytes") == true)
    #expect(error?.message.contains("needs 24") == true)
  }

  @Test func typedFieldOfTheWrongTypeOrCount() {
    let wrongField = tensorError {
      dims(&$0, [1])
      type(&$0, .float)
      $0.int(7, 1)
    }
    #expect(readPath(wrongField) == "graph.initializer[0].int64_data")
    let wrongCount = tensorError {
      dims(&$0, [3])
      type(&$0, .float)
      $0.packedFloats(4, [1, 2])
    }
    #expect(readPath(wrongCount) == "graph.initializer[0].float_data")
    let both = tensorError {
      dims(&$0, [1])
      type(&$0, .float)
      $0.packedFloats(4, [1])
      $0.bytes(9, [0, 0, 0, 0])
    }
    #expect(both?.message.contains("as well as raw_data") == true)
    let missing = tensorError {
      dims(&$0, [4])
      type(&$0, .float)
    }
    #expect(missing?.message.contains("0 entries") == true)
  }

  @Test func outOfRangeInt32DataIsCaughtOnConversion() throws {
    let tensor = try tensor {
      dims(&$0, [2])
      type(&$0, .uint8)
      $0.packedVarints(5, [1, 300])
    }
    let error = #expect(throws: BiDenseError.self) { try tensor.int64Values() }
    #expect(readPath(error) == "graph.initializer[0].int32_data[1]")
    #expect(error?.message.contains("300") == true)
  }

  @Test func badDimsAndTypes() {
    let negative = tensorError {
      dims(&$0, [2, -1])
      type(&$0, .float)
    }
    #expect(readPath(negative) == "graph.initializer[0].dims")
    #expect(negative?.message.contains("-1") == true)
    let huge = tensorError {
      dims(&$0, [1 << 40, 1 << 40])
      type(&$0, .float)
    }
    #expect(huge?.message.contains("--max-tensor-elements") == true)
    let unknownType = tensorError {
      dims(&$0, [1])
      type(&$0, ONNXDataType(rawValue: 99))
      $0.bytes(9, [0])
    }
    #expect(readPath(unknownType) == "graph.initializer[0].data_type")
    let segmented = tensorError {
      dims(&$0, [1])
      type(&$0, .float)
      $0.message(3) { $0.int(1, 0) }
    }
    #expect(readPath(segmented) == "graph.initializer[0].segment")
  }

  @Test func subByteTypesAreSizedButNotConverted() throws {
    let int4 = try tensor {
      dims(&$0, [3])
      type(&$0, .int4)
      $0.bytes(9, [0x21, 0x03])
    }
    #expect(int4.dataType.description == "INT4")
    #expect(throws: BiDenseError.self) { try int4.int64Values() }
  }
}
