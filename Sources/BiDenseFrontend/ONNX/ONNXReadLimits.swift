/// Bounds that keep a hostile or corrupt file from exhausting the stack or memory. Every bound
/// is checked before the work it guards, and breaking one is a `BiDenseError`, never a trap.
struct ONNXReadLimits: Sendable, Equatable {
  /// Nested messages, counting the model itself. A subgraph costs three levels (node,
  /// attribute, graph) and a tensor type three more; real exports nest under 10.
  var maximumDepth: Int
  /// Repeated entries decoded from the whole model (nodes, names, dims, packed numbers, ...).
  /// Each costs at least one byte on the wire, so this bounds memory beyond the file size.
  var maximumElements: Int
  /// Elements of one tensor, the product of its dims: dims are read before the data they
  /// claim, and a corrupt dim must not size an allocation.
  var maximumTensorElements: Int
  /// Bytes of the model file. Protobuf itself cannot encode a message of 2 GiB or more;
  /// larger weights must go to external data.
  var maximumModelBytes: Int

  init(
    maximumDepth: Int = Self.standard.maximumDepth,
    maximumElements: Int = Self.standard.maximumElements,
    maximumTensorElements: Int = Self.standard.maximumTensorElements,
    maximumModelBytes: Int = Self.standard.maximumModelBytes
  ) {
    self.maximumDepth = maximumDepth
    self.maximumElements = maximumElements
    self.maximumTensorElements = maximumTensorElements
    self.maximumModelBytes = maximumModelBytes
  }

  private init(depth: Int, elements: Int, tensorElements: Int, modelBytes: Int) {
    maximumDepth = depth
    maximumElements = elements
    maximumTensorElements = tensorElements
    maximumModelBytes = modelBytes
  }

  /// The defaults: 64 levels, 2^28 repeated entries, 2^31 elements per tensor, 2 GiB − 1.
  static let standard = ONNXReadLimits(
    depth: 64,
    elements: 1 << 28,
    tensorElements: 1 << 31,
    modelBytes: (1 << 31) - 1
  )
}
