import BiDenseIR

/// Maps protobuf fields to the structs of ONNXModel.swift. Field numbers are those of
/// onnx/onnx.proto (onnx 1.23; unchanged since IR version 10). Unknown fields are skipped by
/// wire type, so models from newer writers still read; a known field with the wrong wire type
/// is an error, since no writer emits one and it usually means corruption.
extension ONNXModel {
  /// Decodes a model from its serialized bytes. `file` only names the source in errors.
  /// External data is not loaded here (there is no folder to load it from): use
  /// `ONNXModel(contentsOfFile:)`, or `loadExternalData(relativeTo:)` afterwards.
  init(
    serialized bytes: [UInt8], file: String = "<memory>", limits: ONNXReadLimits = .standard
  ) throws {
    try checkModelSize(bytes.count, file: file, limits: limits)
    let decoder = ONNXDecoder(bytes: bytes, file: file, limits: limits)
    self = try decoder.decodeModel()
  }
}

/// One decoding run: the file's bytes, its name for errors, and the shared element budget.
private final class ONNXDecoder {
  let bytes: [UInt8]
  let file: String
  let limits: ONNXReadLimits
  var budget: ElementBudget

  init(bytes: [UInt8], file: String, limits: ONNXReadLimits) {
    self.bytes = bytes
    self.file = file
    self.limits = limits
    budget = ElementBudget(limit: limits.maximumElements)
  }

  // MARK: Field loop

  /// Calls `body` for each field of the message in `range`; `body` returns false for a field
  /// it does not know, which is then skipped. A wire-level failure is reported at
  /// `path.fieldName`, so the message says which field was being read.
  private func forEachField(
    in range: Range<Int>, path: String, depth: Int, names: [Int: String],
    _ body: (WireReader.Tag, inout WireReader) throws -> Bool
  ) throws {
    guard depth <= limits.maximumDepth else {
      throw readError(
        file: file, path: path,
        "messages nest deeper than \(limits.maximumDepth) levels", offset: range.lowerBound)
    }
    var reader = WireReader(bytes: bytes, range: range)
    while !reader.isAtEnd {
      let tag: WireReader.Tag
      do {
        tag = try reader.readTag()
      } catch let error as WireError {
        throw wrap(error, path: path)
      }
      do {
        if try !body(tag, &reader) { try reader.skipField(tag) }
      } catch let error as WireError {
        throw wrap(error, path: join(path, names[tag.field] ?? "field \(tag.field)"))
      }
    }
  }

  private func wrap(_ error: WireError, path: String) -> BiDenseError {
    readError(file: file, path: path, error.message, offset: error.offset)
  }

  private func join(_ path: String, _ name: String) -> String {
    path.isEmpty ? name : "\(path).\(name)"
  }

  private func fail(
    _ path: String, _ message: String, offset: Int? = nil
  ) -> BiDenseError {
    readError(file: file, path: path, message, offset: offset)
  }

  /// Spends one entry of the budget for a repeated string or message.
  private func spendOne(_ reader: WireReader) throws {
    try reader.spend(1, from: &budget)
  }

  /// Decodes one more element of a repeated message field: spends one element of the budget,
  /// names it `path.field[i]` in errors, and appends it to `list`.
  private func appendMessage<Element>(
    _ list: inout [Element], field: String, under path: String, _ tag: WireReader.Tag,
    _ reader: inout WireReader, _ decode: (Range<Int>, String) throws -> Element
  ) throws {
    try spendOne(reader)
    let itemPath = "\(join(path, field))[\(list.count)]"
    list.append(try decode(reader.readMessage(tag), itemPath))
  }

  private func rejectSecond(_ present: Bool, _ reader: WireReader) throws {
    if present {
      throw WireError(
        "appears twice; merging a message split in two is not supported",
        offset: reader.position)
    }
  }

  // MARK: ModelProto

  private static let modelFields = [
    1: "ir_version", 2: "producer_name", 3: "producer_version", 4: "domain",
    5: "model_version", 6: "doc_string", 7: "graph", 8: "opset_import", 14: "metadata_props",
    25: "functions",
  ]

  func decodeModel() throws -> ONNXModel {
    var model = ONNXModel()
    var sawGraph = false
    try forEachField(in: 0..<bytes.count, path: "", depth: 1, names: Self.modelFields) {
      tag, reader in
      switch tag.field {
      case 1: model.irVersion = try reader.readInt64(tag)
      case 2: model.producerName = try reader.readString(tag)
      case 3: model.producerVersion = try reader.readString(tag)
      case 4: model.domain = try reader.readString(tag)
      case 5: model.modelVersion = try reader.readInt64(tag)
      case 6: model.docString = try reader.readString(tag)
      case 7:
        try rejectSecond(sawGraph, reader)
        model.graph = try decodeGraph(reader.readMessage(tag), path: "graph", depth: 2)
        sawGraph = true
      case 8:
        try appendMessage(&model.opsetImports, field: "opset_import", under: "", tag, &reader) {
          try decodeOperatorSet($0, path: $1)
        }
      case 14:
        try appendMessage(&model.metadataProps, field: "metadata_props", under: "", tag, &reader) {
          try decodeStringPair($0, path: $1, depth: 2)
        }
      case 25:
        // Counted, not decoded: a caller that meets a call to one refuses the model.
        try spendOne(reader)
        _ = try reader.readMessage(tag)
        model.functionCount += 1
      default: return false
      }
      return true
    }
    guard sawGraph else {
      throw fail("graph", "is missing: the file holds no graph (field 7)")
    }
    // Since IR version 3 every model names its operator sets; a file without one is most
    // likely cut short, as exporters write opset_import last.
    if model.irVersion >= 3 && model.opsetImports.isEmpty {
      throw fail(
        "opset_import",
        "is missing although ir_version is \(model.irVersion) (is the file truncated?)")
    }
    return model
  }

  private static let operatorSetFields = [1: "domain", 2: "version"]

  private func decodeOperatorSet(_ range: Range<Int>, path: String) throws -> ONNXOperatorSetID {
    var opset = ONNXOperatorSetID()
    try forEachField(in: range, path: path, depth: 2, names: Self.operatorSetFields) {
      tag, reader in
      switch tag.field {
      case 1: opset.domain = try reader.readString(tag)
      case 2: opset.version = try reader.readInt64(tag)
      default: return false
      }
      return true
    }
    return opset
  }

  private static let stringPairFields = [1: "key", 2: "value"]

  private func decodeStringPair(_ range: Range<Int>, path: String, depth: Int) throws
    -> ONNXStringPair
  {
    var pair = ONNXStringPair()
    try forEachField(in: range, path: path, depth: depth, names: Self.stringPairFields) {
      tag, reader in
      switch tag.field {
      case 1: pair.key = try reader.readString(tag)
      case 2: pair.value = try reader.readString(tag)
      default: return false
      }
      return true
    }
    return pair
  }

  // MARK: GraphProto

  private static let graphFields = [
    1: "node", 2: "name", 5: "initializer", 10: "doc_string", 11: "input", 12: "output",
    13: "value_info", 16: "metadata_props",
  ]

  private func decodeGraph(_ range: Range<Int>, path: String, depth: Int) throws -> ONNXGraph {
    var graph = ONNXGraph()
    try forEachField(in: range, path: path, depth: depth, names: Self.graphFields) {
      tag, reader in
      let inner = depth + 1
      switch tag.field {
      case 1:
        try appendMessage(&graph.nodes, field: "node", under: path, tag, &reader) {
          try decodeNode($0, path: $1, depth: inner)
        }
      case 2: graph.name = try reader.readString(tag)
      case 5:
        try appendMessage(&graph.initializers, field: "initializer", under: path, tag, &reader) {
          try decodeTensor($0, path: $1, depth: inner)
        }
      case 10: graph.docString = try reader.readString(tag)
      case 11:
        try appendMessage(&graph.inputs, field: "input", under: path, tag, &reader) {
          try decodeValueInfo($0, path: $1, depth: inner)
        }
      case 12:
        try appendMessage(&graph.outputs, field: "output", under: path, tag, &reader) {
          try decodeValueInfo($0, path: $1, depth: inner)
        }
      case 13:
        try appendMessage(&graph.valueInfo, field: "value_info", under: path, tag, &reader) {
          try decodeValueInfo($0, path: $1, depth: inner)
        }
      case 16:
        try appendMessage(&graph.metadataProps, field: "metadata_props", under: path, tag, &reader)
        {
          try decodeStringPair($0, path: $1, depth: inner)
        }
      default: return false
      }
      return true
    }
    return graph
  }

  // MARK: NodeProto

  private static let nodeFields = [
    1: "input", 2: "output", 3: "name", 4: "op_type", 5: "attribute", 6: "doc_string",
    7: "domain", 9: "metadata_props",
  ]

  private func decodeNode(_ range: Range<Int>, path: String, depth: Int) throws -> ONNXNode {
    var node = ONNXNode()
    try forEachField(in: range, path: path, depth: depth, names: Self.nodeFields) {
      tag, reader in
      switch tag.field {
      case 1:
        try spendOne(reader)
        node.inputs.append(try reader.readString(tag))
      case 2:
        try spendOne(reader)
        node.outputs.append(try reader.readString(tag))
      case 3: node.name = try reader.readString(tag)
      case 4: node.opType = try reader.readString(tag)
      case 5:
        try appendMessage(&node.attributes, field: "attribute", under: path, tag, &reader) {
          try decodeAttribute($0, path: $1, depth: depth + 1)
        }
      case 6: node.docString = try reader.readString(tag)
      case 7: node.domain = try reader.readString(tag)
      case 9:
        try appendMessage(&node.metadataProps, field: "metadata_props", under: path, tag, &reader) {
          try decodeStringPair($0, path: $1, depth: depth + 1)
        }
      default: return false
      }
      return true
    }
    return node
  }

  // MARK: AttributeProto

  private static let attributeFields = [
    1: "name", 2: "f", 3: "i", 4: "s", 5: "t", 6: "g", 7: "floats", 8: "ints", 9: "strings",
    10: "tensors", 11: "graphs", 13: "doc_string", 20: "type", 21: "ref_attr_name",
  ]

  private func decodeAttribute(_ range: Range<Int>, path: String, depth: Int) throws
    -> ONNXAttribute
  {
    var attribute = ONNXAttribute()
    var floatBits: [UInt32] = []
    var ints: [UInt64] = []
    try forEachField(in: range, path: path, depth: depth, names: Self.attributeFields) {
      tag, reader in
      let inner = depth + 1
      switch tag.field {
      case 1: attribute.name = try reader.readString(tag)
      case 2: attribute.f = try reader.readFloat(tag)
      case 3: attribute.i = try reader.readInt64(tag)
      case 4: attribute.s = try reader.readBytes(tag)
      case 5:
        try rejectSecond(attribute.t != nil, reader)
        attribute.t = try decodeTensor(reader.readMessage(tag), path: "\(path).t", depth: inner)
      case 6:
        try rejectSecond(attribute.g != nil, reader)
        attribute.g = try decodeGraph(reader.readMessage(tag), path: "\(path).g", depth: inner)
      case 7: try reader.appendFixed32s(tag, to: &floatBits, budget: &budget)
      case 8: try reader.appendVarints(tag, to: &ints, budget: &budget)
      case 9:
        try spendOne(reader)
        attribute.strings.append(try reader.readBytes(tag))
      case 10:
        try appendMessage(&attribute.tensors, field: "tensors", under: path, tag, &reader) {
          try decodeTensor($0, path: $1, depth: inner)
        }
      case 11:
        try appendMessage(&attribute.graphs, field: "graphs", under: path, tag, &reader) {
          try decodeGraph($0, path: $1, depth: inner)
        }
      case 13: attribute.docString = try reader.readString(tag)
      case 20: attribute.type = ONNXAttributeType(rawValue: try reader.readInt32(tag))
      case 21: attribute.refAttrName = try reader.readString(tag)
      default: return false
      }
      return true
    }
    attribute.floats = floatBits.map(Float.init(bitPattern:))
    attribute.ints = ints.map(Int64.init(bitPattern:))
    return attribute
  }

  // MARK: TensorProto

  private static let tensorFields = [
    1: "dims", 2: "data_type", 3: "segment", 4: "float_data", 5: "int32_data",
    6: "string_data", 7: "int64_data", 8: "name", 9: "raw_data", 10: "double_data",
    11: "uint64_data", 12: "doc_string", 13: "external_data", 14: "data_location",
  ]

  private func decodeTensor(_ range: Range<Int>, path: String, depth: Int) throws -> ONNXTensor {
    var tensor = ONNXTensor()
    tensor.file = file
    tensor.fieldPath = path
    var dims: [UInt64] = []
    var floatBits: [UInt32] = []
    var int32s: [UInt64] = []
    var int64s: [UInt64] = []
    var doubleBits: [UInt64] = []
    var uint64s: [UInt64] = []
    var location: Int32 = 0
    try forEachField(in: range, path: path, depth: depth, names: Self.tensorFields) {
      tag, reader in
      switch tag.field {
      case 1: try reader.appendVarints(tag, to: &dims, budget: &budget)
      case 2: tensor.dataType = ONNXDataType(rawValue: try reader.readInt32(tag))
      case 3:
        throw WireError(
          "is set: tensors split into segments are not supported",
          offset: reader.position)
      case 4: try reader.appendFixed32s(tag, to: &floatBits, budget: &budget)
      case 5: try reader.appendVarints(tag, to: &int32s, budget: &budget)
      case 6:
        try spendOne(reader)
        tensor.stringData.append(try reader.readBytes(tag))
      case 7: try reader.appendVarints(tag, to: &int64s, budget: &budget)
      case 8: tensor.name = try reader.readString(tag)
      case 9: tensor.rawData = try reader.readBytes(tag)
      case 10: try reader.appendFixed64s(tag, to: &doubleBits, budget: &budget)
      case 11: try reader.appendVarints(tag, to: &uint64s, budget: &budget)
      case 12: tensor.docString = try reader.readString(tag)
      case 13:
        try appendMessage(&tensor.externalData, field: "external_data", under: path, tag, &reader) {
          try decodeStringPair($0, path: $1, depth: depth + 1)
        }
      case 14: location = try reader.readInt32(tag)
      default: return false
      }
      return true
    }
    tensor.dims = dims.map(Int64.init(bitPattern:))
    tensor.floatData = floatBits.map(Float.init(bitPattern:))
    tensor.int32Data = int32s.map { Int32(truncatingIfNeeded: $0) }
    tensor.int64Data = int64s.map(Int64.init(bitPattern:))
    tensor.doubleData = doubleBits.map(Double.init(bitPattern:))
    tensor.uint64Data = uint64s
    guard let dataLocation = ONNXDataLocation(rawValue: location) else {
      throw fail("\(path).data_location", "is \(location), neither DEFAULT (0) nor EXTERNAL (1)")
    }
    tensor.dataLocation = dataLocation
    try checkTensorData(tensor)
    return tensor
  }

  /// External data is loaded later, from the folder of the file; bytes in the model as well
  /// would leave two sources for one tensor.
  private func checkTensorData(_ tensor: ONNXTensor) throws {
    if tensor.dataLocation == .external {
      if tensor.rawData != nil {
        throw tensor.error("raw_data", "is set although data_location is EXTERNAL")
      }
      if let field = tensor.typedFieldCounts.first(where: { $0.count > 0 }) {
        throw tensor.error(field.name, "is set although data_location is EXTERNAL")
      }
    }
    _ = try tensor.checkData(limit: limits.maximumTensorElements)
  }

  // MARK: ValueInfoProto and TypeProto

  private static let valueInfoFields = [
    1: "name", 2: "type", 3: "doc_string", 4: "metadata_props",
  ]

  private func decodeValueInfo(_ range: Range<Int>, path: String, depth: Int) throws
    -> ONNXValueInfo
  {
    var info = ONNXValueInfo()
    try forEachField(in: range, path: path, depth: depth, names: Self.valueInfoFields) {
      tag, reader in
      switch tag.field {
      case 1: info.name = try reader.readString(tag)
      case 2:
        try rejectSecond(info.type != nil, reader)
        info.type = try decodeType(reader.readMessage(tag), path: "\(path).type", depth: depth + 1)
      case 3: info.docString = try reader.readString(tag)
      case 4:
        try appendMessage(&info.metadataProps, field: "metadata_props", under: path, tag, &reader) {
          try decodeStringPair($0, path: $1, depth: depth + 1)
        }
      default: return false
      }
      return true
    }
    return info
  }

  private static let typeFields = [
    1: "tensor_type", 4: "sequence_type", 5: "map_type", 6: "denotation", 7: "opaque_type",
    8: "sparse_tensor_type", 9: "optional_type",
  ]

  /// nil for a TypeProto with no value set (a type left for inference).
  private func decodeType(_ range: Range<Int>, path: String, depth: Int) throws -> ONNXValueType? {
    var type: ONNXValueType?
    try forEachField(in: range, path: path, depth: depth, names: Self.typeFields) {
      tag, reader in
      switch tag.field {
      case 1:
        let path = "\(path).tensor_type"
        type = .tensor(try decodeTensorType(reader.readMessage(tag), path: path, depth: depth + 1))
      case 4, 5, 7, 8, 9:
        // Kinds a BiDense graph never has: named, so that a caller can refuse them.
        _ = try reader.readMessage(tag)
        type = .other(Self.typeFields[tag.field] ?? "")
      case 6: _ = try reader.readString(tag)
      default: return false
      }
      return true
    }
    return type
  }

  private static let tensorTypeFields = [1: "elem_type", 2: "shape"]

  private func decodeTensorType(_ range: Range<Int>, path: String, depth: Int) throws
    -> ONNXTensorType
  {
    var tensorType = ONNXTensorType()
    try forEachField(in: range, path: path, depth: depth, names: Self.tensorTypeFields) {
      tag, reader in
      switch tag.field {
      case 1: tensorType.elementType = ONNXDataType(rawValue: try reader.readInt32(tag))
      case 2:
        try rejectSecond(tensorType.shape != nil, reader)
        tensorType.shape = try decodeShape(
          reader.readMessage(tag), path: "\(path).shape", depth: depth + 1)
      default: return false
      }
      return true
    }
    return tensorType
  }

  private static let shapeFields = [1: "dim"]
  private static let dimensionFields = [1: "dim_value", 2: "dim_param", 3: "denotation"]

  private func decodeShape(_ range: Range<Int>, path: String, depth: Int) throws
    -> [ONNXDimension]
  {
    var dims: [ONNXDimension] = []
    try forEachField(in: range, path: path, depth: depth, names: Self.shapeFields) {
      tag, reader in
      guard tag.field == 1 else { return false }
      try spendOne(reader)
      let dimPath = "\(path).dim[\(dims.count)]"
      var dim = ONNXDimension.unknown
      try forEachField(
        in: try reader.readMessage(tag), path: dimPath, depth: depth + 1,
        names: Self.dimensionFields
      ) { tag, reader in
        switch tag.field {
        case 1: dim = .value(try reader.readInt64(tag))
        case 2: dim = .parameter(try reader.readString(tag))
        case 3: _ = try reader.readString(tag)
        default: return false
        }
        return true
      }
      dims.append(dim)
      return true
    }
    return dims
  }
}
