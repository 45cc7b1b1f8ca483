import BiDenseIR
import Foundation

// The ONNX front end: from an exported model to the primitive graph.
// In:  an ONNXModel as the reader decoded it (an export of a BiDense network by
//      torch.onnx.export, dynamo or TorchScript), and the work limits.
// Out: the same primitive Graph a model spec of the network gives (DAB, BinaryConv2d,
//      BatchNorm2d, ChannelBypass, pooling, resizing, elementwise ops; for the ViT and DPT,
//      BinaryLinear, BinaryAttention, LayerNorm and the token moves), so that fusion, the
//      kernels and verify apply unchanged.
// Decides which ONNX nodes make up each BiDense construct and what primitive op each is;
// rejects, naming the node, its op type and the pattern it was in, anything it cannot map.
//
// How: one walk over the nodes in their (topological) order.
// - A node whose inputs are all constants is a constant, evaluated (ONNXEvaluator) when a
//   pattern reads it: TorchScript's int64 shape arithmetic, dynamo's expanded biases, weight
//   binarizations of constant weights.
// - A node with a primitive op of its own is lowered when it is reached: Conv and
//   ConvTranspose (binary when their input is a DAB, BinarizerPattern.swift, with weights from
//   BinaryWeightPattern.swift), BatchNormalization, AveragePool, Resize, Relu, PRelu, Sigmoid,
//   Concat of tensors, and Add, Sub or Mul of a tensor with a constant or another tensor
//   (StandardOps.swift); on tokens, MatMul of a sign by a constant (BinaryLinearPattern.swift)
//   and LayerNormalization (TokenOps.swift).
// - Every other node stays pending: it is lowered only as part of the pattern of a node that
//   reads it. A pending value read as a tensor must be the binary attention
//   (AttentionPattern.swift), a GELU (TokenOps.swift), or a linear rearrangement of one tensor
//   that is a channel bypass, an adaptive pooling (BypassPattern.swift) or a token move
//   (TokenMoves.swift).
// Patterns check structure and constants, and verify numerically what cannot be seen from
// structure alone (the STE polynomial, the form of a folded weight, what a data-movement
// subgraph computes).
final class ONNXImporter {
  let model: ONNXModel
  let index: ONNXGraphIndex
  let evaluator: ONNXEvaluator
  var builder: GraphBuilder
  /// The ONNX values lowered to tensors of the primitive graph.
  var tensors: [String: ValueID] = [:]
  /// The constants of the model: initializers, `Constant` outputs, `Shape` outputs (a shape is
  /// static), and the outputs of nodes the evaluator runs whose inputs are all constants.
  /// Their values are computed when a pattern asks for them and kept in `constantCache`; the
  /// intermediate results of a constant subgraph are not kept, so folding a weight
  /// binarization costs one copy of the weight, not one per node.
  private(set) var constants = Set<String>()
  var constantCache: [String: TensorValue] = [:]
  /// Nodes that need no further work: folded, lowered, or claimed by a pattern.
  var done = Set<Int>()
  /// How many pending values are being lowered, one inside the other.
  private var pendingDepth = 0
  /// The module path of each binary layer, by the value its BatchNorm produces.
  var layerOfValue: [ValueID: String] = [:]
  /// The module path of each token layer (LayerNorm, binary linear, attention, GELU), by its
  /// output: a ViT export keeps no scopes, so its layers are named from their neighbours.
  var tokenLayerPath: [ValueID: String] = [:]

  var nodes: [ONNXNode] { index.nodes }
  var file: String { index.file }

  /// The opsets of the default domain this front end reads.
  static let opsets: ClosedRange<Int64> = 13...21

  init(_ model: ONNXModel, file: String, name: String, limits: WorkLimits) throws {
    self.model = model
    index = try ONNXGraphIndex(model.graph, file: file)
    evaluator = ONNXEvaluator(limits: limits)
    builder = GraphBuilder(name: name, limits: limits)
    constants = Set(index.initializers.keys)
    for node in index.nodes {
      let present = node.inputs.filter { !$0.isEmpty }
      let isConstant =
        node.opType == "Constant" || (node.opType == "Shape" && !present.isEmpty)
        || (ONNXEvaluator.supported.contains(node.opType) && !present.isEmpty
          && present.allSatisfy { constants.contains($0) })
      if isConstant, let output = node.outputs.first, !output.isEmpty { constants.insert(output) }
    }
  }

  /// Reads `path` and lowers it. Every failure is a BiDenseError naming the file.
  static func load(path: String, name: String, limits: WorkLimits) throws -> Graph {
    let readLimits = ONNXReadLimits(maximumTensorElements: limits.maxTensorElements)
    let model = try ONNXModel(contentsOfFile: path, limits: readLimits)
    return try inFile(path) {
      try ONNXImporter(model, file: path, name: name, limits: limits).run()
    }
  }

  func run() throws -> Graph {
    try checkModel()
    for input in index.inputs {
      tensors[input.name] = try graphInput(input)
    }
    for i in nodes.indices where index.live[i] && !done.contains(i) {
      do {
        try lower(i)
      } catch let error as BiDenseError {
        throw located(error, at: i)
      }
    }
    for output in index.outputs {
      let id = try tensor(of: output.name, for: nil)
      builder.output(id)
    }
    for i in nodes.indices where index.live[i] && !done.contains(i) {
      throw failure(
        i, "computes a value that the output needs but that no pattern or op accounts for")
    }
    return builder.graph
  }

  /// An error from lowering node `i`, with the node and its op type filled in when the
  /// thrower did not name them.
  func located(_ error: BiDenseError, at i: Int) -> BiDenseError {
    guard error.node == nil else { return error }
    return BiDenseError(
      file: error.file, node: ONNXGraphIndex.displayName(nodes[i]),
      "\(printable(nodes[i].opType)): \(error.message)")
  }

  /// An error about node `i`: its name, its op type, the pattern it was in, and what is wrong.
  func failure(_ i: Int, in pattern: String? = nil, _ message: String) -> BiDenseError {
    let place = pattern.map { " in \($0)" } ?? ""
    return BiDenseError(
      node: ONNXGraphIndex.displayName(nodes[i]),
      "\(printable(nodes[i].opType))\(place): \(message)")
  }

  // MARK: The model

  func checkModel() throws {
    guard let opset = model.opsetVersion() else {
      throw BiDenseError("imports no opset of the default ONNX domain")
    }
    guard Self.opsets.contains(opset) else {
      throw BiDenseError(
        "uses opset \(opset) of the default domain; bidensec reads opsets "
          + "\(Self.opsets.lowerBound) to \(Self.opsets.upperBound) (export with "
          + "opset_version=18 for dynamo, 17 for TorchScript)")
    }
    for (i, node) in nodes.enumerated() {
      // The patterns read these inputs by position once they know the op.
      let required = Self.requiredInputs[node.opType] ?? 0
      guard node.inputs.count >= required, node.inputs.prefix(required).allSatisfy({ !$0.isEmpty })
      else {
        throw failure(
          i, "needs \(required) input(s), has \(node.inputs.filter { !$0.isEmpty }.count)")
      }
      guard let output = node.outputs.first, !output.isEmpty else {
        throw failure(i, "has no output")
      }
    }
    for (i, node) in nodes.enumerated() where index.live[i] {
      guard node.domain.isEmpty || node.domain == "ai.onnx" else {
        throw failure(
          i,
          "is an op of the domain '\(printable(node.domain))'; bidensec reads the default "
            + "ONNX domain only")
      }
      guard !node.attributes.contains(where: { $0.g != nil || !$0.graphs.isEmpty }) else {
        throw failure(i, "holds a subgraph; control flow is not supported")
      }
      // Dropout is the identity in eval mode only (its third input, training_mode, false).
      if node.opType == "Dropout", node.inputs.count > 2, !node.inputs[2].isEmpty {
        let training = try constant(node.inputs[2]).map { try $0.ints("training_mode") }
        guard training == [0] else {
          throw failure(i, "may run in training mode; export the model in eval mode")
        }
      }
    }
    guard !index.outputs.isEmpty else { throw BiDenseError("the graph has no output") }
  }

  /// The inputs each op the patterns inspect must have (ONNX's own arities).
  static let requiredInputs: [String: Int] = [
    "Conv": 2, "ConvTranspose": 2, "BatchNormalization": 5, "Relu": 1, "Sigmoid": 1, "PRelu": 2,
    "AveragePool": 1, "GlobalAveragePool": 1, "Resize": 1, "Concat": 1, "Add": 2, "Sub": 2,
    "Mul": 2, "Div": 2, "Identity": 1, "Dropout": 1, "Exp": 1, "Abs": 1, "Sign": 1, "Neg": 1,
    "ReduceMean": 1, "Gather": 2, "GatherND": 2, "Reshape": 2, "Clip": 1, "Shape": 1, "Less": 2,
    "Cast": 1, "Slice": 3, "Expand": 2, "Tile": 2, "Transpose": 1, "Where": 3, "Unsqueeze": 1,
    "Squeeze": 1, "MatMul": 2, "LayerNormalization": 2, "Erf": 1, "Softmax": 1, "ReduceMax": 1,
  ]

  /// A graph input: a float tensor of fixed size, batch 1: an image [1, C, H, W] or tokens
  /// [1, T, C] (a ViT layer on its own).
  func graphInput(_ input: ONNXValueInfo) throws -> ValueID {
    guard let type = input.tensorType, type.elementType == .float, let dims = type.shape else {
      throw BiDenseError(
        node: input.name, "the graph input is not a float32 tensor of known shape")
    }
    var shape: [Int] = []
    for dim in dims {
      guard case .value(let size) = dim, size > 0, size <= Int64(Int32.max) else {
        throw BiDenseError(
          node: input.name,
          "input shape [\(dims.map(\.description).joined(separator: ", "))] is not fixed: "
            + "export with a fixed input size")
      }
      shape.append(Int(size))
    }
    return try builder.input(input.name, shape: shape)
  }

  // MARK: The walk

  /// The primitive ops that lower one node when it is reached.
  private static let eager: [String: @Sendable (ONNXImporter, Int) throws -> Bool] = [
    "Conv": { try $0.lowerConvolution($1) },
    "ConvTranspose": { try $0.lowerConvolution($1) },
    "BatchNormalization": { try $0.lowerBatchNorm($1) },
    "Relu": { try $0.lowerUnary($1) },
    "Sigmoid": { try $0.lowerUnary($1) },
    "PRelu": { try $0.lowerPReLU($1) },
    "AveragePool": { try $0.lowerAveragePool($1) },
    "Resize": { try $0.lowerResize($1) },
    "Concat": { try $0.lowerConcat($1) },
    "Add": { try $0.lowerAdd($1) },
    "Sub": { try $0.lowerScaleOrShift($1) },
    "Mul": { try $0.lowerScaleOrShift($1) },
    "Identity": { try $0.lowerIdentity($1) },
    "Dropout": { try $0.lowerIdentity($1) },
    "MatMul": { try $0.lowerBinaryLinear($1) },
    "LayerNormalization": { try $0.lowerLayerNorm($1) },
  ]

  func lower(_ i: Int) throws {
    let node = nodes[i]
    // A constant is computed when a pattern reads it.
    if let output = node.outputs.first, constants.contains(output) {
      done.insert(i)
      return
    }
    if let rule = Self.eager[node.opType], try rule(self, i) {
      done.insert(i)
    }
  }

  // MARK: Values

  func isConstant(_ value: String) -> Bool { constants.contains(value) }

  /// The value of constant `value`, computed on first use; nil when `value` is not a constant.
  /// A constant that cannot be computed (a malformed shape, an overflow) is an error naming
  /// its node.
  func constant(_ value: String) throws -> TensorValue? {
    guard constants.contains(value) else { return nil }
    if let v = constantCache[value] { return v }
    let v = try evaluate(value, probes: [:])
    constantCache[value] = v
    return v
  }

  /// The constant `value`, or an error naming what it is instead.
  func requireConstant(_ value: String, _ what: String) throws -> TensorValue {
    if let v = try constant(value) { return v }
    throw BiDenseError(
      "\(what) ('\(printable(value))') is computed from the model's input; it must be a constant")
  }

  /// The IR value of `value` when it has been lowered to a tensor.
  func loweredTensor(_ value: String) -> ValueID? {
    tensors[value]
  }

  func isPending(_ value: String) -> Bool {
    tensors[value] == nil && !constants.contains(value) && index.producer[value] != nil
  }

  /// The node producing a pending value.
  func pendingProducer(_ value: String) -> Int? {
    isPending(value) ? index.producer[value] : nil
  }

  /// `value` as a tensor of the primitive graph, lowering its pattern when it is pending.
  /// `consumer` is the node that reads it, for messages; `name` names a node made for it.
  func tensor(of value: String, for consumer: Int?, name: String? = nil) throws -> ValueID {
    if let id = loweredTensor(value) { return id }
    if isConstant(value) {
      let reader = consumer.map { " read by '\(printable(ONNXGraphIndex.displayName(nodes[$0])))'" }
      throw BiDenseError(
        "'\(printable(value))'\(reader ?? "") is a constant where bidensec expects a tensor "
          + "computed from the input")
    }
    guard let p = index.producer[value] else {
      throw BiDenseError("'\(printable(value))' is not defined")
    }
    // Pending values lower one another only through chains of Concat and Identity; a chain
    // this long is no export of a real network, and must not exhaust the stack.
    guard pendingDepth < 256 else {
      throw failure(p, "ends a chain of more than 256 pending nodes")
    }
    pendingDepth += 1
    defer { pendingDepth -= 1 }
    let id: ValueID
    do {
      id = try lowerPending(p, consumer: consumer, name: name)
    } catch let error as BiDenseError {
      throw located(error, at: p)
    }
    tensors[value] = id
    return id
  }

  // MARK: Evaluating subgraphs

  /// The shape of any value: a constant's, a tensor's, or a pending value's, by evaluating
  /// its subgraph on zeros.
  func shapeOf(_ value: String) throws -> [Int] {
    if let v = try constant(value) { return v.shape }
    if let id = loweredTensor(value) { return Self.dims(builder.shape(id)) }
    return try evaluate(value, probes: [:]).shape
  }

  /// PyTorch's dimensions of a tensor: [1, C, H, W] for an image, [1, T, C] for tokens.
  static func dims(_ shape: TensorShape) -> [Int] {
    shape.dimensions
  }

  /// Evaluates `value` from constants, `probes` (values bound by name), and lowered tensors
  /// (bound to zeros unless probed): constants, shapes, and the numerical checks of patterns.
  func evaluate(_ value: String, probes: [String: TensorValue]) throws -> TensorValue {
    var known = probes
    // The nodes to run: every producer reached from `value` before a known value.
    var needed = Set<Int>()
    var stack = [value]
    while let v = stack.popLast() {
      if known[v] != nil || v.isEmpty { continue }
      if let c = constantCache[v] {
        known[v] = c
        continue
      }
      if let tensor = index.initializers[v] {
        let c = try TensorValue(tensor)
        constantCache[v] = c
        known[v] = c
        continue
      }
      if let id = loweredTensor(v) {
        let shape = builder.shape(id)
        known[v] = TensorValue(
          shape: Self.dims(shape), floats: [Float](repeating: 0, count: shape.count))
        continue
      }
      guard let p = index.producer[v] else {
        throw BiDenseError("'\(printable(v))' is not defined")
      }
      // A Shape reads only its input's shape (shapeOf below), not its values.
      if needed.insert(p).inserted, nodes[p].opType != "Shape" { stack += nodes[p].inputs }
    }
    for p in needed.sorted() {
      let node = nodes[p]
      guard ONNXEvaluator.supported.contains(node.opType) else {
        throw failure(p, Self.unsupported(node.opType))
      }
      let inputs = node.inputs.map { $0.isEmpty ? nil : known[$0] }
      do {
        let result =
          node.opType == "Shape"
          ? try evaluator.evaluate(
            node, [TensorValue(shape: try shapeOf(node.inputs.first ?? ""), floats: [])])
          : try evaluator.evaluate(node, inputs)
        if let output = node.outputs.first { known[output] = result }
      } catch let error as BiDenseError {
        throw located(error, at: p)
      }
    }
    guard let result = known[value] else {
      throw BiDenseError("'\(printable(value))' cannot be evaluated")
    }
    return result
  }

  /// Why an op that no pattern took cannot be lowered.
  static func unsupported(_ op: String) -> String {
    let vit: Set = ["MatMul", "Gemm", "Softmax", "ReduceMax", "Erf", "Less", "Cast"]
    return "is not an op bidensec lowers on its own nor part of a pattern it recognises"
      + (vit.contains(op)
        ? " (in a ViT, MatMul, Softmax and Erf are lowered only as parts of the binary "
          + "linear layer, the binary attention and GELU)" : "")
  }

  /// Whether two values are the same computation: the same name, or nodes of the same op and
  /// attributes on the same inputs (an exporter may repeat a node instead of reusing it).
  /// Exporters repeat shallow nodes; eight levels keep comparing a hostile graph cheap.
  func equivalent(_ a: String, _ b: String, depth: Int = 0) -> Bool {
    if a == b { return true }
    guard depth < 8, let p = index.producer[a], let q = index.producer[b] else { return false }
    let (m, n) = (nodes[p], nodes[q])
    guard m.opType == n.opType, m.attributes == n.attributes, m.inputs.count == n.inputs.count,
      m.outputs.first == a, n.outputs.first == b
    else { return false }
    return zip(m.inputs, n.inputs).allSatisfy { equivalent($0, $1, depth: depth + 1) }
  }

  /// The node producing pending `value` if it has op type `op`; otherwise an error that names
  /// what was found, for `pattern`.
  func expect(_ value: String, _ op: String, in pattern: String, role: String) throws -> Int {
    guard let p = index.producer[value], isPending(value) else {
      let found =
        loweredTensor(value) != nil
        ? "a lowered tensor" : isConstant(value) ? "a constant" : "a graph input"
      throw BiDenseError(
        "\(pattern): \(role) ('\(printable(value))') is \(found), expected the output of \(op)")
    }
    guard nodes[p].opType == op else {
      throw failure(p, in: pattern, "expected \(op) as \(role)")
    }
    return p
  }
}
