import Foundation
import Testing

@testable import BiDenseCLI
@testable import BiDenseCodegen
@testable import BiDenseDriver
@testable import BiDenseFrontend
@testable import BiDenseIR
@testable import BiDensePasses
@testable import BiDenseReference

/// Seeded mutants of reference cases (hostile JSON values, truncations, byte flips, broken
/// safetensors headers), each loaded in process and, where it loads, compiled. Each must either
/// succeed or throw a BiDenseError: a trap would kill the test run, which is the failure.
@Suite struct MutationTests {
  static let cases = [
    "conv3x3_same", "conv3x3_groups4", "convT2x2_stride2", "transition", "convnext_block", "psp",
    "fusion_block", "bidense_up4",
  ]

  /// Values that have crashed readers: zero, negatives, 2^31, 2^63, huge and non-finite
  /// numbers, numbers as strings, nulls, and containers where a number belongs.
  static let hostile = [
    "0", "-1", "-2147483648", "2147483648", "4294967297", "9223372036854775808",
    "-9223372036854775809", "1e308", "-1e308", "1e999", "NaN", "1.5", "1000000", "65537",
    "\"3\"", "\"\"", "\"../../etc/x\"", "null", "[]", "{}", "true", "[0, 0]", "[-1, 3]",
    "[1, 2, 3]", "[2147483648, 1]",
  ]

  /// Small limits keep every mutant that loads cheap to compile.
  static let limits = WorkLimits(maxTensorElements: 1 << 20, maxNodes: 4096)

  struct Outcome {
    var loaded = 0
    var rejected = 0
  }

  /// A native graph over conv3x3_same's weights (its convolution's parameters at the root),
  /// so that the native graph reader meets the mutants too.
  static let nativeGraph = """
    {"name": "g", "inputs": [{"name": "x", "shape": [1, 16, 12, 10]}],
     "nodes": [
       {"name": "conv", "op": "BiDenseConv2d", "inputs": ["x"], "parameters": "",
        "attributes": {"in_channels": 16, "out_channels": 16, "kernel_size": 3, "padding": 1}},
       {"name": "pool", "op": "AvgPool2d", "inputs": ["conv"], "attributes": {"kernel_size": 2}},
       {"name": "up", "op": "Interpolate", "inputs": ["pool"], "attributes": {"scale_factor": 2}},
       {"name": "sum", "op": "Add", "inputs": ["up", "x"]},
       {"name": "cat", "op": "Concat", "inputs": ["sum", "x"], "attributes": {"dim": 1}}],
     "outputs": ["cat"]}
    """

  @Test func theUnmutatedNativeGraphLoads() throws {
    let folder = TemporaryFolder()
    let graph = folder.write("g.json", Self.nativeGraph)
    let loaded = try ModelLoader.load(
      graph, weights: Fixtures.path("conv3x3_same", ".safetensors"), limits: Self.limits)
    #expect(loaded.unusedParameters.isEmpty)
    #expect(loaded.limits == Self.limits)
  }

  @Test func everyMutantLoadsOrIsRejectedWithAnError() throws {
    let folder = TemporaryFolder()
    var random = SeededRandom(seed: 20_241_115)
    var outcome = Outcome()
    let count = 400
    for i in 0..<count {
      let choice = Int(random.next() % UInt64(Self.cases.count + 1))
      let native = choice == Self.cases.count
      let base = native ? "conv3x3_same" : Self.cases[choice]
      let json =
        native
        ? Data(Self.nativeGraph.utf8)
        : try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(base, ".json")))
      let weights = try Data(
        contentsOf: URL(fileURLWithPath: Fixtures.path(base, ".safetensors")))
      let label = native ? "native graph" : base
      var mutantJSON = json
      var mutantWeights = weights
      let kind: String
      switch i % 6 {
      case 0, 1:
        (mutantJSON, kind) = try mutateJSON(json, &random)
      case 2:
        (mutantJSON, kind) = mutateBytes(json, &random)
      case 3, 4:
        (mutantWeights, kind) = try mutateSafetensors(weights, &random)
      default:
        (mutantWeights, kind) = mutateBytes(weights, &random)
      }
      let specPath = folder.write("m\(i).json", mutantJSON)
      let weightsPath = folder.write("m\(i).safetensors", mutantWeights)
      do {
        let loaded = try ModelLoader.load(specPath, weights: weightsPath, limits: Self.limits)
        _ = try CompiledModel(loaded.graph, options: CompileOptions(prefix: "m", source: base))
        outcome.loaded += 1
      } catch let error as BiDenseError {
        #expect(!error.description.contains("\n"), "\(label) \(kind): \(error)")
        outcome.rejected += 1
      } catch {
        Issue.record("\(label) \(kind): not a BiDenseError: \(error)")
      }
      try? FileManager.default.removeItem(atPath: specPath)
      try? FileManager.default.removeItem(atPath: weightsPath)
    }
    #expect(outcome.loaded + outcome.rejected == count)
    // Some mutants stay valid models (a byte flip in a weight), most do not.
    #expect(outcome.loaded > 0)
    #expect(outcome.rejected > count / 2)
  }

  // MARK: ONNX

  /// Exports from both exporters, from one layer to a whole UperNet.
  static let onnxCases = [
    "conv3x3_same.onnx", "conv3x3_same.ts.onnx", "conv3x3_up_repeat_merge.ts.onnx",
    "conv3x3_down_merge.onnx", "convT2x2_stride2.onnx", "transition.ts.onnx", "convnext_block.onnx",
    "bidense_up4.onnx", "fusion_block.ts.onnx", "psp.onnx",
  ]

  /// `ONNX_MUTATION_SEED` and `ONNX_MUTATION_COUNT` widen a run by hand.
  static let environment = ProcessInfo.processInfo.environment
  static let onnxSeed = UInt64(environment["ONNX_MUTATION_SEED"] ?? "") ?? 0
  static let onnxCount = Int(environment["ONNX_MUTATION_COUNT"] ?? "")

  /// Loads (and, where it loads, compiles) one mutant; returns "loaded" or "rejected".
  func outcome(_ label: String, _ body: () throws -> Graph) -> String {
    do {
      let graph = try body()
      _ = try CompiledModel(graph, options: CompileOptions(prefix: "m", source: label))
      return "loaded"
    } catch let error as BiDenseError {
      #expect(!error.description.contains("\n"), "\(label): \(error)")
      #expect(!error.message.isEmpty)
      return "rejected"
    } catch {
      Issue.record("\(label): not a BiDenseError: \(error)")
      return "other"
    }
  }

  /// Byte-level damage to .onnx files (truncations, flipped bytes, inserted runs, bytes that
  /// make or break varints, deleted or repeated blocks), loaded from disk like any model.
  @Test func everyONNXFileMutantLoadsOrIsRejectedWithAnError() throws {
    let folder = TemporaryFolder()
    var random = SeededRandom(seed: 20_261_125 &+ Self.onnxSeed)
    var counts: [String: Int] = [:]
    let count = Self.onnxCount ?? 300
    for i in 0..<count {
      let file = Self.onnxCases[Int(random.next() % UInt64(Self.onnxCases.count))]
      let original = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(file, "")))
      var bytes = [UInt8](original)
      let kind: String
      switch i % 5 {
      case 0:
        (bytes, kind) = ([UInt8](mutateBytes(original, &random).0), "bytes")
      case 1:
        let cut = Int(random.next() % UInt64(bytes.count))
        bytes = Array(bytes[..<cut])
        kind = "truncated to \(cut)"
      case 2:
        let at = Int(random.next() % UInt64(bytes.count))
        bytes[at] = [0x00, 0x7F, 0x80, 0xFF][Int(random.next() % 4)]
        kind = "varint byte at \(at)"
      case 3:
        let start = Int(random.next() % UInt64(bytes.count))
        let end = min(bytes.count, start + 1 + Int(random.next() % 64))
        if random.next() % 2 == 0 {
          bytes.removeSubrange(start..<end)
        } else {
          bytes.insert(contentsOf: bytes[start..<end], at: start)
        }
        kind = "block \(start)..<\(end)"
      default:
        for _ in 0..<(1 + random.next() % 3) {
          let at = Int(random.next() % UInt64(bytes.count))
          bytes[at] ^= UInt8(1 + random.next() % 255)
        }
        kind = "xor"
      }
      let path = folder.write("m\(i).onnx", Data(bytes))
      let result = outcome("\(file) \(kind)") {
        try ModelLoader.load(path, weights: nil, limits: Self.limits).graph
      }
      counts[result, default: 0] += 1
      try? FileManager.default.removeItem(atPath: path)
    }
    #expect(counts["other", default: 0] == 0)
    #expect(counts["loaded", default: 0] > 0)
    #expect(counts["rejected", default: 0] > count / 2)
    print("mutation: \(count) damaged .onnx files: \(counts.sorted { $0.key < $1.key })")
  }

  /// Damage to the graph itself, which the reader cannot see: ops renamed, inputs rewired or
  /// swapped, attributes and constants set to hostile values, nodes removed, input shapes
  /// changed. Each mutant is lowered and compiled, or rejected with one error.
  @Test func everyEditedONNXGraphLoadsOrIsRejectedWithAnError() throws {
    var random = SeededRandom(seed: 20_261_126 &+ Self.onnxSeed)
    var counts: [String: Int] = [:]
    var kinds: [String: Int] = [:]
    let models = try Self.onnxCases.map { try ONNXModel(contentsOfFile: Fixtures.path($0, "")) }
    let ops = [
      "Add", "Sub", "Mul", "Div", "Relu", "Sign", "Abs", "Exp", "Conv", "Concat", "Reshape",
      "Slice", "Tile", "Expand", "ReduceMean", "Resize", "Identity", "MatMul", "Softmax", "",
    ]
    let hostileInts: [Int64] = [0, -1, 1, 2, 3, 7, 1 << 31, -(1 << 31), Int64.max, Int64.min]
    let hostileFloats: [Float] = [0, -0.0, 1, -1, 2, .nan, .infinity, -.infinity, 1e30, 1e-38]
    let count = Self.onnxCount ?? 400
    for i in 0..<count {
      let which = Int(random.next() % UInt64(models.count))
      var model = models[which]
      var graph = model.graph
      func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
      let n = Int(random.next() % UInt64(graph.nodes.count))
      let kind: String
      switch i % 8 {
      case 0:
        graph.nodes[n].opType = pick(ops)
        kind = "op of \(graph.nodes[n].name) = \(graph.nodes[n].opType)"
      case 1:
        graph.nodes[n].inputs.reverse()
        kind = "inputs of \(graph.nodes[n].name) reversed"
      case 2:
        let values = graph.nodes.flatMap(\.outputs) + graph.initializers.map(\.name) + [""]
        if !graph.nodes[n].inputs.isEmpty {
          let k = Int(random.next() % UInt64(graph.nodes[n].inputs.count))
          graph.nodes[n].inputs[k] = pick(values)
        }
        kind = "input of \(graph.nodes[n].name) rewired"
      case 3:
        if !graph.nodes[n].attributes.isEmpty {
          let k = Int(random.next() % UInt64(graph.nodes[n].attributes.count))
          let v = pick(hostileInts)
          graph.nodes[n].attributes[k].i = v
          graph.nodes[n].attributes[k].ints = graph.nodes[n].attributes[k].ints.map { _ in v }
          graph.nodes[n].attributes[k].f = pick(hostileFloats)
        }
        kind = "attribute of \(graph.nodes[n].name)"
      case 4:
        let k = Int(random.next() % UInt64(graph.initializers.count))
        var tensor = graph.initializers[k]
        if tensor.dataType == .float, var values = try? tensor.floatValues(), !values.isEmpty {
          values[Int(random.next() % UInt64(values.count))] = pick(hostileFloats)
          tensor.floatData = []
          tensor.rawData = values.flatMap { littleEndian($0.bitPattern) }
        } else if tensor.dataType == .int64, var values = try? tensor.int64Values(), !values.isEmpty
        {
          values[Int(random.next() % UInt64(values.count))] = pick(hostileInts)
          tensor.int64Data = []
          tensor.rawData = values.flatMap { littleEndian($0) }
        }
        graph.initializers[k] = tensor
        kind = "value in \(tensor.name)"
      case 5:
        let k = Int(random.next() % UInt64(graph.initializers.count))
        if !graph.initializers[k].dims.isEmpty {
          graph.initializers[k].dims[0] = pick(hostileInts)
        }
        kind = "dims of \(graph.initializers[k].name)"
      case 6:
        graph.nodes.remove(at: n)
        kind = "node \(n) removed"
      default:
        if case .tensor(var type)? = graph.inputs.first?.type, var dims = type.shape {
          dims[Int(random.next() % UInt64(dims.count))] = .value(pick(hostileInts))
          type.shape = dims
          graph.inputs[0].type = .tensor(type)
        }
        kind = "input shape"
      }
      model.graph = graph
      kinds[String(kind.prefix { $0 != " " }), default: 0] += 1
      let label = "\(Self.onnxCases[which]): \(kind)"
      var lowered: Graph?
      let result = outcome(label) {
        let graph = try ONNXCases.lower(model, limits: Self.limits)
        lowered = graph
        return graph
      }
      counts[result, default: 0] += 1
      // What loads must compute what the edited ONNX graph computes.
      if result == "loaded", let lowered {
        let comparison = compare(model, lowered, ONNXCases.base(Self.onnxCases[which]))
        counts[comparison, default: 0] += 1
        #expect(comparison != "differs", "\(label)")
      }
    }
    #expect(counts["other", default: 0] == 0)
    #expect(counts["loaded", default: 0] > 0)
    #expect(counts["rejected", default: 0] > count / 2)
    print("mutation: \(count) edited ONNX graphs: \(counts.sorted { $0.key < $1.key })")
  }

  /// Runs an edited model as ONNX (ONNXReferenceRunner) and as the primitive graph it was
  /// lowered to, on the case's reference input: "agrees", "differs", "non-finite" (the ONNX
  /// graph's output is not), or "unrunnable" when the runner does not know an op of the
  /// edited graph.
  func compare(_ model: ONNXModel, _ graph: Graph, _ base: String) -> String {
    guard let floats = try? Fixtures.floats(base, ".input.f32"),
      let inputs = try? RawFloats.split(floats, shapes: graph.inputs.map { graph[$0].shape }),
      let onnx = try? ONNXReferenceRunner(model: model).run(
        inputs.map {
          TensorValue(
            shape: [1, $0.shape.channels, $0.shape.height, $0.shape.width], floats: $0.data)
        }),
      let reference = try? onnx.first?.floats(),
      let ir = try? Interpreter.run(graph, inputs: inputs)[graph.outputs[0]]?.data,
      ir.count == reference.count
    else { return "unrunnable" }
    if Agreement(actual: ir, reference: reference).outside == 0 { return "agrees" }
    // A hostile constant (inf, NaN, 1e30) can push x − tau past 2^64, where ONNX's literal
    // straight-through polynomial overflows (t² = inf, inf · 0 = NaN) while the binarizer
    // means the sign: outside the model's domain (docs/SEMANTICS.md, NaN and infinity).
    return reference.allSatisfy(\.isFinite) ? "differs" : "non-finite"
  }

  // MARK: mutations

  /// One value of the JSON replaced by a hostile one, or one object member removed.
  func mutateJSON(_ data: Data, _ random: inout SeededRandom) throws -> (Data, String) {
    let json = try JSON.parse(data)
    var paths: [String] = []
    collect(json, into: &paths)
    // Favour the values builders read: constructor arguments and input shapes.
    let interesting = paths.filter {
      $0.hasPrefix("constructor") || $0.hasPrefix("inputs") || $0 == "module"
        || $0.hasPrefix("nodes")
    }
    let pool = random.next() % 4 == 0 ? paths : interesting
    let path = pool[Int(random.next() % UInt64(pool.count))]
    let remove = random.next() % 8 == 0
    let raw = Self.hostile[Int(random.next() % UInt64(Self.hostile.count))]
    let text = render(json, replacing: path, with: remove ? nil : raw)
    return (Data(text.utf8), remove ? "removed \(path)" : "\(path) = \(raw)")
  }

  /// A truncation, a few flipped bytes or an inserted run of random bytes.
  func mutateBytes(_ data: Data, _ random: inout SeededRandom) -> (Data, String) {
    var bytes = [UInt8](data)
    switch random.next() % 3 {
    case 0:
      let cut = Int(random.next() % UInt64(bytes.count))
      return (Data(bytes[..<cut]), "truncated to \(cut) bytes")
    case 1:
      let flips = 1 + Int(random.next() % 8)
      for _ in 0..<flips {
        bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next())
      }
      return (Data(bytes), "\(flips) bytes changed")
    default:
      let at = Int(random.next() % UInt64(bytes.count))
      let run = (0..<(1 + random.next() % 64)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
      bytes.insert(contentsOf: run, at: at)
      return (Data(bytes), "\(run.count) bytes inserted at \(at)")
    }
  }

  /// A broken safetensors header: a bad dtype, shape or byte range, a missing tensor, or a
  /// header length that lies.
  func mutateSafetensors(_ data: Data, _ random: inout SeededRandom) throws -> (Data, String) {
    let bytes = [UInt8](data)
    var length = 0
    for i in 0..<8 { length |= Int(bytes[i]) << (8 * i) }
    let header = try JSON.parse(Data(bytes[8..<(8 + length)]))
    let payload = Data(bytes[(8 + length)...])
    let names = header.keys.filter { $0 != "__metadata__" }
    let name = names[Int(random.next() % UInt64(names.count))]
    let offsets = try header.require(name).require("data_offsets").intArray()
    let (a, b) = (offsets[0], offsets[1])
    func pick(_ options: [String]) -> String { options[Int(random.next() % UInt64(options.count))] }
    let path: String
    var raw: String?
    switch random.next() % 6 {
    case 0:
      path = "\(name).dtype"
      raw = pick(["\"I8\"", "\"F64\"", "\"f32\"", "\"\"", "\"I64\"", "7", "null"])
    case 1:
      path = "\(name).shape"
      raw = pick([
        "[]", "[0]", "[-1]", "[1099511627776]", "[4294967296, 4294967296]", "[1, 2, 3, 4, 5, 6]",
        "[9223372036854775807, 2]", "[1e300]", "\"4\"",
      ])
    case 2:
      path = "\(name).data_offsets"
      raw = pick([
        "[\(b), \(a)]", "[\(a), 4611686018427387904]", "[\(a), \(b + 4)]", "[-4, \(b)]",
        "[0, \(b)]", "[\(a)]", "[\(a), \(b), 0]", "null",
      ])
    case 3:
      path = name
      raw = nil
    case 4:
      var out = Data()
      let lie = pick(["9223372036854775808", "\(length * 2)", "0", "7", "\(length - 1)"])
      var value = UInt64(lie)!.littleEndian
      withUnsafeBytes(of: &value) { out.append(contentsOf: $0) }
      out.append(contentsOf: bytes[8...])
      return (out, "header length \(lie)")
    default:
      path = name
      raw = pick(["null", "7", "[]", "{}", "{\"dtype\": \"F32\"}"])
    }
    let text = render(header, replacing: path, with: raw)
    var out = Data()
    var newLength = UInt64(text.utf8.count).littleEndian
    withUnsafeBytes(of: &newLength) { out.append(contentsOf: $0) }
    out.append(contentsOf: Array(text.utf8))
    out.append(payload)
    return (out, raw.map { "header \(path) = \($0)" } ?? "header without \(path)")
  }

  /// Every value's path below the root.
  func collect(_ json: JSON, into paths: inout [String]) {
    switch json.value {
    case .array(let items):
      for item in items {
        paths.append(item.path)
        collect(item, into: &paths)
      }
    case .object(let members, let order):
      for key in order {
        paths.append(members[key]!.path)
        collect(members[key]!, into: &paths)
      }
    default: break
    }
  }

  /// The JSON as text, with the value at `path` replaced by `raw` (removed where nil).
  func render(_ json: JSON, replacing path: String, with raw: String?) -> String {
    if json.path == path, let raw { return raw }
    switch json.value {
    case .null: return "null"
    case .bool(let b): return "\(b)"
    case .number(let n): return n.rounded() == n && abs(n) < 1e15 ? "\(Int(n))" : "\(n)"
    case .string(let s): return quoted(s)
    case .array(let items):
      let kept = items.filter { $0.path != path || raw != nil }
      return "[" + kept.map { render($0, replacing: path, with: raw) }.joined(separator: ", ") + "]"
    case .object(let members, let order):
      let kept = order.filter { members[$0]!.path != path || raw != nil }
      return "{"
        + kept.map { "\(quoted($0)): \(render(members[$0]!, replacing: path, with: raw))" }
        .joined(separator: ", ") + "}"
    }
  }

  func quoted(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }
}
