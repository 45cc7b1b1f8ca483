import Foundation
import Testing

@testable import BiDenseFrontend
@testable import BiDenseIR

/// A corrupt model gets one `BiDenseError` naming the file, the field path and the value.
@Suite struct ONNXReadErrorTests {
  private func decode(_ bytes: [UInt8], limits: ONNXReadLimits = .standard) throws -> ONNXModel {
    try ONNXModel(serialized: bytes, file: "bad.onnx", limits: limits)
  }

  private func error(_ bytes: [UInt8], limits: ONNXReadLimits = .standard) -> BiDenseError? {
    #expect(throws: BiDenseError.self) { _ = try decode(bytes, limits: limits) }
  }

  /// A graph of `count` Relu nodes, the last one written by `last` instead.
  private func graphWithNodes(
    _ count: Int, last: ((inout ProtoWriter) -> Void)? = nil
  ) -> [UInt8] {
    modelBytes { graph in
      for index in 0..<count {
        graph.message(1) { node in
          if index == count - 1, let last {
            last(&node)
          } else {
            node.string(1, "x\(index)")
            node.string(2, "x\(index + 1)")
            node.string(4, "Relu")
          }
        }
      }
    }
  }

  @Test func pathNamesTheNodeAndAttribute() {
    // node[12].attribute[3].ints: a packed run whose length passes the end of the attribute.
    let bytes = graphWithNodes(13) { node in
      node.string(4, "Conv")
      for index in 0..<4 {
        node.message(5) { attribute in
          attribute.string(1, "a\(index)")
          if index == 3 {
            attribute.tag(8, 2)
            attribute.varint(40)
            attribute.bytes += [1, 2, 3]
          } else {
            attribute.int(3, 1)
          }
        }
      }
    }
    let error = error(bytes)
    #expect(error?.file == "bad.onnx")
    #expect(readPath(error) == "graph.node[12].attribute[3].ints")
    #expect(error?.message.contains("length 40") == true)
    #expect(error?.message.contains("(at byte") == true)
    #expect(
      error?.description.hasPrefix("bad.onnx: graph.node[12].attribute[3].ints: length 40") == true)
  }

  @Test func wrongWireTypeForAKnownField() {
    var model = ProtoWriter()
    model.string(1, "ten")
    let error = error(model.bytes)
    #expect(readPath(error) == "ir_version")
    #expect(error?.message.contains("wire type 2") == true)
  }

  @Test func groupsAreRejectedWhereverTheyAppear() {
    let unknown = error(graphWithNodes(2) { node in node.tag(99, 3) })
    #expect(readPath(unknown) == "graph.node[1].field 99")
    #expect(unknown?.message.contains("group") == true)
    let known = error(graphWithNodes(1) { node in node.tag(4, 3) })
    #expect(readPath(known) == "graph.node[0].op_type")
  }

  @Test func unknownFieldsAreSkipped() throws {
    let plain = try decode(graphWithNodes(2))
    var model = ProtoWriter()
    model.int(1, 10)
    model.double(99, 1)
    model.float(98, 1)
    model.int(97, 5)
    model.string(96, "future")
    model.message(7) { graph in
      graph.message(1) { node in
        node.int(50, 3)
        node.string(1, "x0")
        node.string(2, "x1")
        node.string(4, "Relu")
        node.message(51) { $0.string(1, "nested unknown") }
      }
      graph.message(1) { node in
        node.string(1, "x1")
        node.string(2, "x2")
        node.string(4, "Relu")
      }
    }
    model.message(8) { opset in
      opset.string(1, "")
      opset.int(2, 18)
    }
    model.string(2, "tests")
    #expect(try decode(model.bytes).graph == plain.graph)
  }

  @Test func invalidUTF8InAName() {
    let error = error(graphWithNodes(1) { node in node.bytes(3, [0x66, 0xFF, 0x66]) })
    #expect(readPath(error) == "graph.node[0].name")
    #expect(error?.message.contains("UTF-8") == true)
  }

  @Test func missingGraphOrOpset() {
    var noGraph = ProtoWriter()
    noGraph.int(1, 10)
    #expect(readPath(error(noGraph.bytes)) == "graph")
    var noOpset = ProtoWriter()
    noOpset.int(1, 10)
    noOpset.message(7) { $0.string(2, "g") }
    #expect(readPath(error(noOpset.bytes)) == "opset_import")
    #expect(readPath(error([])) == "graph")
  }

  @Test func secondGraphIsRefused() {
    var model = ProtoWriter(bytes: modelBytes { $0.string(2, "one") })
    model.message(7) { $0.string(2, "two") }
    #expect(error(model.bytes)?.message.contains("twice") == true)
  }

  @Test func badDataLocation() {
    let error = error(
      tensorModelBytes { tensor in
        tensor.int(2, 1)
        tensor.int(14, 5)
      })
    #expect(readPath(error) == "graph.initializer[0].data_location")
    #expect(error?.message.contains("5") == true)
  }

  @Test func depthIsCapped() throws {
    // Subgraphs nested through attribute g, far deeper than the stack could take unchecked.
    var graph = ProtoWriter()
    graph.string(2, "innermost")
    for _ in 0..<2_000 {
      var attribute = ProtoWriter()
      attribute.string(1, "body")
      attribute.int(20, 5)
      attribute.bytes(6, graph.bytes)
      var node = ProtoWriter()
      node.string(4, "If")
      node.bytes(5, attribute.bytes)
      var outer = ProtoWriter()
      outer.bytes(1, node.bytes)
      graph = outer
    }
    let bytes = modelBytes { $0.bytes += graph.bytes }
    let deep = error(bytes)
    #expect(deep?.message.contains("64 levels") == true)
    #expect(readPath(deep)?.hasPrefix("graph.node[0].attribute[0].g.node[0]") == true)

    var limits = ONNXReadLimits.standard
    limits.maximumDepth = 1_000_000
    // Within the default depth, subgraphs read.
    var shallow = ProtoWriter()
    shallow.string(2, "body")
    let model = try decode(
      modelBytes { graph in
        graph.message(1) { node in
          node.string(4, "If")
          node.message(5) { attribute in
            attribute.string(1, "then_branch")
            attribute.int(20, 5)
            attribute.bytes(6, shallow.bytes)
          }
        }
      })
    #expect(model.graph.nodes[0].attribute(named: "then_branch")?.g?.name == "body")
  }

  @Test func elementCountIsCapped() {
    var limits = ONNXReadLimits.standard
    limits.maximumElements = 100
    let error = error(graphWithNodes(40), limits: limits)
    #expect(error?.message.contains("100") == true)
  }

  @Test func modelSizeIsCapped() {
    var limits = ONNXReadLimits.standard
    limits.maximumModelBytes = 10
    #expect(
      error(graphWithNodes(3), limits: limits)?.message.contains("more than the 10 allowed") == true
    )
  }

  @Test func unreadableFile() {
    let error = #expect(throws: BiDenseError.self) {
      _ = try ONNXModel(contentsOfFile: "/nonexistent/model.onnx")
    }
    #expect(error?.description.hasPrefix("/nonexistent/model.onnx: ") == true)
    #expect(throws: BiDenseError.self) { _ = try ONNXModel(contentsOfFile: onnxFixturesFolder) }
  }

  @Test func attributesOfEveryKind() throws {
    let model = try decode(
      graphWithNodes(1) { node in
        node.string(4, "Custom")
        node.string(7, "com.example")
        node.message(5) { a in
          a.string(1, "f")
          a.int(20, 1)
          a.float(2, 0.25)
        }
        node.message(5) { a in
          a.string(1, "s")
          a.int(20, 3)
          a.bytes(4, [0x6E, 0x65, 0x61, 0x72])
        }
        node.message(5) { a in
          a.string(1, "floats")
          a.int(20, 6)
          a.float(7, 1)
          a.packedFloats(7, [2, 3])
        }
        node.message(5) { a in
          a.string(1, "ints")
          a.int(20, 7)
          a.int(8, -1)
          a.packedVarints(8, [2, UInt64(bitPattern: -3)])
        }
        node.message(5) { a in
          a.string(1, "strings")
          a.int(20, 8)
          a.string(9, "a")
          a.string(9, "b")
        }
        node.message(5) { a in
          a.string(1, "tensors")
          a.int(20, 9)
          for value: Int64 in [4, 5] {
            a.message(10) { t in
              t.int(2, 7)
              t.int(7, value)
            }
          }
        }
        node.message(5) { a in
          a.string(1, "ref")
          a.int(20, 2)
          a.string(21, "outer")
        }
      })
    let node = model.graph.nodes[0]
    #expect(node.domain == "com.example")
    #expect(node.attribute(named: "f")?.f == 0.25)
    #expect(node.attribute(named: "s")?.string == "near")
    #expect(node.attribute(named: "floats")?.floats == [1, 2, 3])
    #expect(node.attribute(named: "ints")?.ints == [-1, 2, -3])
    #expect(node.attribute(named: "strings")?.strings == [[0x61], [0x62]])
    #expect(
      try node.attribute(named: "tensors")?.tensors.map { try $0.int64Values() } == [[4], [5]])
    #expect(node.attribute(named: "ref")?.refAttrName == "outer")
    #expect(node.attribute(named: "ref")?.type == .int)
  }

  @Test func valueInfoTypes() throws {
    let model = try decode(
      modelBytes { graph in
        graph.message(11) { value in
          value.string(1, "x")
          value.message(2) { type in
            type.message(1) { tensor in
              tensor.int(1, 1)
              tensor.message(2) { shape in
                shape.message(1) { $0.int(1, 1) }
                shape.message(1) { $0.string(2, "height") }
                shape.message(1) { _ in }
              }
            }
          }
        }
        graph.message(11) { value in
          value.string(1, "s")
          value.message(2) { type in type.message(4) { _ in } }
        }
        graph.message(12) { value in
          value.string(1, "y")
          value.message(2) { type in type.message(1) { $0.int(1, 7) } }
        }
      })
    let x = try #require(model.graph.inputs[0].tensorType)
    #expect(x.elementType == .float)
    #expect(x.shape == [.value(1), .parameter("height"), .unknown])
    #expect(model.graph.inputs[1].type == .other("sequence_type"))
    #expect(model.graph.outputs[0].tensorType == ONNXTensorType(elementType: .int64, shape: nil))
  }
}
