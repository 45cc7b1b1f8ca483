/// The parts of an ONNX `ModelProto` that a compiler needs, as plain values. Field names follow
/// onnx.proto in Swift spelling (`op_type` → `opType`, repeated fields in the plural). Fields
/// that the reader skips: doc strings of values, training info, sparse initializers,
/// quantization annotations, and the bodies of local functions (counted, so that a caller can
/// refuse a model that calls them).
struct ONNXModel: Sendable, Equatable {
  var irVersion: Int64 = 0
  var opsetImports: [ONNXOperatorSetID] = []
  var producerName = ""
  var producerVersion = ""
  var domain = ""
  var modelVersion: Int64 = 0
  var docString = ""
  var graph = ONNXGraph()
  var metadataProps: [ONNXStringPair] = []
  /// Number of `FunctionProto` entries (model-local functions), whose bodies are not decoded.
  var functionCount = 0

  init() {}

  /// The opset version imported for `domain` (`""` is the default `ai.onnx` domain).
  func opsetVersion(forDomain domain: String = "") -> Int64? {
    let wanted = domain == "ai.onnx" ? "" : domain
    return opsetImports.last { ($0.domain == "ai.onnx" ? "" : $0.domain) == wanted }?.version
  }
}

struct ONNXOperatorSetID: Sendable, Equatable {
  var domain = ""
  var version: Int64 = 0

  init(domain: String = "", version: Int64 = 0) {
    self.domain = domain
    self.version = version
  }
}

/// A `StringStringEntryProto`: metadata and external-data entries are ordered key/value pairs.
struct ONNXStringPair: Sendable, Equatable {
  var key = ""
  var value = ""

  init(key: String = "", value: String = "") {
    self.key = key
    self.value = value
  }
}

struct ONNXGraph: Sendable, Equatable {
  var nodes: [ONNXNode] = []
  var name = ""
  var initializers: [ONNXTensor] = []
  var inputs: [ONNXValueInfo] = []
  var outputs: [ONNXValueInfo] = []
  var valueInfo: [ONNXValueInfo] = []
  var docString = ""
  var metadataProps: [ONNXStringPair] = []

  init() {}

  /// The initializer called `name`, or nil. Linear: build a dictionary for repeated lookups.
  func initializer(named name: String) -> ONNXTensor? {
    initializers.first { $0.name == name }
  }
}

struct ONNXNode: Sendable, Equatable {
  /// Value names; an empty string stands for an omitted optional input or output.
  var inputs: [String] = []
  var outputs: [String] = []
  var name = ""
  var opType = ""
  var domain = ""
  var attributes: [ONNXAttribute] = []
  var docString = ""
  /// Exporters put provenance here: the dynamo exporter's `pkg.torch.onnx.name_scopes`,
  /// `pkg.torch.onnx.class_hierarchy` and `namespace` name the module a node came from.
  var metadataProps: [ONNXStringPair] = []

  init() {}

  func attribute(named name: String) -> ONNXAttribute? {
    attributes.first { $0.name == name }
  }

  func metadataValue(forKey key: String) -> String? {
    metadataProps.first { $0.key == key }?.value
  }
}

/// The `AttributeType` discriminator. A struct, not an enum, so that a value from a newer
/// schema survives reading and can be named in an error.
struct ONNXAttributeType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
  var rawValue: Int32
  init(rawValue: Int32) { self.rawValue = rawValue }

  static let undefined = Self(rawValue: 0)
  static let float = Self(rawValue: 1)
  static let int = Self(rawValue: 2)
  static let string = Self(rawValue: 3)
  static let tensor = Self(rawValue: 4)
  static let graph = Self(rawValue: 5)
  static let floats = Self(rawValue: 6)
  static let ints = Self(rawValue: 7)
  static let strings = Self(rawValue: 8)
  static let tensors = Self(rawValue: 9)
  static let graphs = Self(rawValue: 10)
  static let sparseTensor = Self(rawValue: 11)
  static let sparseTensors = Self(rawValue: 12)
  static let typeProto = Self(rawValue: 13)
  static let typeProtos = Self(rawValue: 14)

  private static let names = [
    "UNDEFINED", "FLOAT", "INT", "STRING", "TENSOR", "GRAPH", "FLOATS", "INTS", "STRINGS",
    "TENSORS", "GRAPHS", "SPARSE_TENSOR", "SPARSE_TENSORS", "TYPE_PROTO", "TYPE_PROTOS",
  ]

  var description: String {
    rawValue >= 0 && Int(rawValue) < Self.names.count
      ? Self.names[Int(rawValue)] : "attribute type \(rawValue)"
  }
}

struct ONNXAttribute: Sendable, Equatable {
  var name = ""
  var type = ONNXAttributeType.undefined
  /// Set when the attribute refers to an attribute of the enclosing function.
  var refAttrName = ""
  var docString = ""
  var f: Float = 0
  var i: Int64 = 0
  /// Raw bytes; `string` decodes them as UTF-8.
  var s: [UInt8] = []
  var t: ONNXTensor?
  var floats: [Float] = []
  var ints: [Int64] = []
  var strings: [[UInt8]] = []
  var tensors: [ONNXTensor] = []
  var graphs: [ONNXGraph] = []
  // A struct cannot hold an optional of a type that contains it; an array can.
  private var graphStorage: [ONNXGraph] = []

  init() {}

  /// The subgraph `g` (If, Loop, Scan bodies).
  var g: ONNXGraph? {
    get { graphStorage.first }
    set { graphStorage = newValue.map { [$0] } ?? [] }
  }

  /// `s` as text, or nil when it is not UTF-8.
  var string: String? { decodeUTF8(s) }
}

/// A `TensorProto` as stored: the data sits in whichever field the writer chose. The value
/// accessors in TensorValues.swift convert it; the decoder has checked that the data present
/// matches `dims` and `dataType`.
struct ONNXTensor: Sendable, Equatable {
  var name = ""
  var dims: [Int64] = []
  var dataType = ONNXDataType.undefined
  var rawData: [UInt8]?
  var floatData: [Float] = []
  var int32Data: [Int32] = []
  var int64Data: [Int64] = []
  var doubleData: [Double] = []
  var uint64Data: [UInt64] = []
  var stringData: [[UInt8]] = []
  var docString = ""
  var dataLocation = ONNXDataLocation.defaultLocation
  /// `location`, `offset`, `length`, `checksum` entries when `dataLocation` is external.
  var externalData: [ONNXStringPair] = []
  /// Where the tensor was read: the model file and the field path, for error messages.
  var file = ""
  var fieldPath = ""

  init() {}
}

/// Where a tensor's bytes are: in the model, or in a file beside it (ExternalData.swift).
enum ONNXDataLocation: Int32, Sendable, Equatable {
  case defaultLocation = 0
  case external = 1
}

/// A `TensorProto.DataType` code. A struct so that any code read from a file can be carried
/// and named; the decoder refuses codes it has no size for.
struct ONNXDataType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
  var rawValue: Int32
  init(rawValue: Int32) { self.rawValue = rawValue }

  static let undefined = Self(rawValue: 0)
  static let float = Self(rawValue: 1)
  static let uint8 = Self(rawValue: 2)
  static let int8 = Self(rawValue: 3)
  static let uint16 = Self(rawValue: 4)
  static let int16 = Self(rawValue: 5)
  static let int32 = Self(rawValue: 6)
  static let int64 = Self(rawValue: 7)
  static let string = Self(rawValue: 8)
  static let bool = Self(rawValue: 9)
  static let float16 = Self(rawValue: 10)
  static let double = Self(rawValue: 11)
  static let uint32 = Self(rawValue: 12)
  static let uint64 = Self(rawValue: 13)
  static let complex64 = Self(rawValue: 14)
  static let complex128 = Self(rawValue: 15)
  static let bfloat16 = Self(rawValue: 16)
  static let float8E4M3FN = Self(rawValue: 17)
  static let float8E4M3FNUZ = Self(rawValue: 18)
  static let float8E5M2 = Self(rawValue: 19)
  static let float8E5M2FNUZ = Self(rawValue: 20)
  static let uint4 = Self(rawValue: 21)
  static let int4 = Self(rawValue: 22)
  static let float4E2M1 = Self(rawValue: 23)
  static let float8E8M0 = Self(rawValue: 24)
  static let uint2 = Self(rawValue: 25)
  static let int2 = Self(rawValue: 26)

  // Indexed by code; bits per element in raw_data (0: no fixed size).
  private static let table: [(name: String, bits: Int)] = [
    ("UNDEFINED", 0), ("FLOAT", 32), ("UINT8", 8), ("INT8", 8), ("UINT16", 16), ("INT16", 16),
    ("INT32", 32), ("INT64", 64), ("STRING", 0), ("BOOL", 8), ("FLOAT16", 16), ("DOUBLE", 64),
    ("UINT32", 32), ("UINT64", 64), ("COMPLEX64", 64), ("COMPLEX128", 128), ("BFLOAT16", 16),
    ("FLOAT8E4M3FN", 8), ("FLOAT8E4M3FNUZ", 8), ("FLOAT8E5M2", 8), ("FLOAT8E5M2FNUZ", 8),
    ("UINT4", 4), ("INT4", 4), ("FLOAT4E2M1", 4), ("FLOAT8E8M0", 8), ("UINT2", 2), ("INT2", 2),
  ]

  /// True for the codes this reader can size; others are refused when read.
  var isKnown: Bool { rawValue >= 0 && Int(rawValue) < Self.table.count }

  /// Bits per element in `raw_data`, or nil for UNDEFINED, STRING and unknown codes.
  var bitWidth: Int? {
    guard isKnown, Self.table[Int(rawValue)].bits > 0 else { return nil }
    return Self.table[Int(rawValue)].bits
  }

  var description: String {
    isKnown ? Self.table[Int(rawValue)].name : "data type \(rawValue)"
  }
}

struct ONNXValueInfo: Sendable, Equatable {
  var name = ""
  /// nil when the `type` field is absent.
  var type: ONNXValueType?
  var docString = ""
  var metadataProps: [ONNXStringPair] = []

  init() {}

  /// The tensor type, or nil for a missing or non-tensor type.
  var tensorType: ONNXTensorType? {
    if case .tensor(let tensorType) = type { return tensorType }
    return nil
  }
}

/// A `TypeProto`: tensors are decoded; sequences, maps, optionals, sparse tensors and opaque
/// types are only named, since a BiDense graph never carries them.
enum ONNXValueType: Sendable, Equatable {
  case tensor(ONNXTensorType)
  case other(String)
}

struct ONNXTensorType: Sendable, Equatable {
  var elementType = ONNXDataType.undefined
  /// nil when the shape is unknown (no `shape` field); `[]` for a scalar.
  var shape: [ONNXDimension]?

  init(elementType: ONNXDataType = .undefined, shape: [ONNXDimension]? = nil) {
    self.elementType = elementType
    self.shape = shape
  }
}

enum ONNXDimension: Sendable, Equatable, CustomStringConvertible {
  case value(Int64)
  /// A symbolic size such as `batch`.
  case parameter(String)
  /// Neither set: a dimension of unknown size.
  case unknown

  var description: String {
    switch self {
    case .value(let size): return String(size)
    case .parameter(let name): return name
    case .unknown: return "?"
    }
  }
}
