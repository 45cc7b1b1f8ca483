import Foundation
import Testing

@testable import BiDenseFrontend
@testable import BiDenseIR

/// Seeded corruption of real models: every mutant either reads or throws `BiDenseError`.
/// A trap or a hang would stop the test run itself, so reaching the end is the assertion;
/// the counts printed at the end are the figures quoted in reviews.
@Suite(.timeLimit(.minutes(5))) struct ONNXReaderMutationTests {
  /// SplitMix64: small, seedable, and the same on every platform.
  struct Generator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
  }

  /// Outcome counts: "parsed" or "rejected".
  final class Tally: @unchecked Sendable {
    var counts: [String: Int] = [:]
    var total: Int { counts.values.reduce(0, +) }
    var summary: String {
      counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }
  }

  private static let files = [
    "vit_linear_ste.onnx", "conv3x3_same.ts.onnx", "conv3x3_same.onnx", "typed_fields.onnx",
  ]

  private func bytes(_ name: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: onnxFixture(name))))
  }

  /// Reads `mutant` and, when it reads, converts every tensor and prints the model, so that
  /// the accessors see corrupt values too. Returns the outcome's name.
  @discardableResult
  private func check(_ mutant: [UInt8], name: String, tally: Tally) -> String {
    let outcome: String
    do {
      let model = try ONNXModel(serialized: mutant, file: name)
      var tensors = model.graph.initializers
      for node in model.graph.nodes {
        for attribute in node.attributes {
          tensors += (attribute.t.map { [$0] } ?? []) + attribute.tensors
        }
      }
      for tensor in tensors {
        do {
          _ = try tensor.floatValues()
        } catch let error as BiDenseError {
          #expect(error.file == name)
          _ = try? tensor.int64Values()
        }
      }
      _ = model.textDump(options: ONNXTextDumpOptions(showNodeNames: true, showScopes: true))
      outcome = "parsed"
    } catch let error as BiDenseError {
      #expect(error.file == name)
      #expect(!error.message.isEmpty)
      outcome = "rejected"
    } catch {
      Issue.record("\(name): not an BiDenseError: \(error)")
      outcome = "other"
    }
    tally.counts[outcome, default: 0] += 1
    return outcome
  }

  @Test func truncationAtEveryLength() throws {
    let tally = Tally()
    for name in ["vit_linear_ste.onnx", "conv3x3_same.ts.onnx", "typed_fields.onnx"] {
      let original = try bytes(name)
      for length in 0..<original.count {
        let outcome = check(Array(original[..<length]), name: name, tally: tally)
        // The graph is one length-delimited field and opset_import follows it, so no proper
        // prefix of an exported model is itself a complete model.
        if outcome == "parsed" { Issue.record("\(name) cut to \(length) bytes still reads") }
      }
      #expect(check(original, name: name, tally: tally) == "parsed")
    }
    print("mutation: truncations \(tally.total): \(tally.summary)")
  }

  /// Mutants of a ViT export that still read go on through the importer: its patterns see
  /// corrupt shapes, constants and wiring, and must reject them with an error, never trap.
  @Test func vitMutantsLowerOrFailCleanly() throws {
    var random = Generator(state: Self.seed ^ 0x717)
    let name = "vit_attention.onnx"
    let original = try bytes(name)
    var outcomes: [String: Int] = [:]
    for _ in 0..<300 {
      var mutant = original
      for _ in 0..<Int.random(in: 1...3, using: &random) {
        let index = Int.random(in: 0..<mutant.count, using: &random)
        mutant[index] ^= UInt8.random(in: 1...255, using: &random)
      }
      let outcome: String
      do {
        let model = try ONNXModel(serialized: mutant, file: name)
        _ = try inFile(name) {
          try ONNXImporter(model, file: name, name: "mutant", limits: .default).run()
        }
        outcome = "lowered"
      } catch let error as BiDenseError {
        #expect(!error.message.isEmpty)
        outcome = "rejected"
      } catch {
        Issue.record("\(name): not a BiDenseError: \(error)")
        outcome = "other"
      }
      outcomes[outcome, default: 0] += 1
    }
    #expect(outcomes["other", default: 0] == 0)
    #expect(outcomes["rejected", default: 0] > 0)
    print("mutation: ViT lowering \(outcomes.sorted { $0.key < $1.key })")
  }

  /// `ONNX_MUTATION_ROUNDS` (per file) and `ONNX_MUTATION_SEED` widen a run by hand.
  private static let environment = ProcessInfo.processInfo.environment
  private static let rounds = Int(environment["ONNX_MUTATION_ROUNDS"] ?? "") ?? 1_000
  private static let seed = UInt64(environment["ONNX_MUTATION_SEED"] ?? "") ?? 0x0B1D_E45E

  @Test func byteFlipsInsertionsAndDeletions() throws {
    var random = Generator(state: Self.seed)
    let tally = Tally()
    var kinds: [String: Int] = [:]
    for name in Self.files {
      let original = try bytes(name)
      for round in 0..<Self.rounds {
        var mutant = original
        let kind: String
        switch round % 5 {
        case 0, 1:
          kind = "flip"
          for _ in 0..<Int.random(in: 1...3, using: &random) {
            let index = Int.random(in: 0..<mutant.count, using: &random)
            mutant[index] ^= UInt8.random(in: 1...255, using: &random)
          }
        case 2:
          kind = "insert"
          let index = Int.random(in: 0...mutant.count, using: &random)
          let count = Int.random(in: 1...8, using: &random)
          mutant.insert(
            contentsOf: (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) },
            at: index)
        case 3:
          // Bytes that make or break varints: continuation bits and maximal values.
          kind = "varint"
          let index = Int.random(in: 0..<mutant.count, using: &random)
          mutant[index] = [0x00, 0x7F, 0x80, 0xFF].randomElement(using: &random)!
        default:
          kind = "block"
          let start = Int.random(in: 0..<mutant.count, using: &random)
          let end = min(mutant.count, start + Int.random(in: 1...64, using: &random))
          if Bool.random(using: &random) {
            mutant.removeSubrange(start..<end)
          } else {
            mutant.insert(contentsOf: mutant[start..<end], at: start)
          }
        }
        kinds[kind, default: 0] += 1
        check(mutant, name: name, tally: tally)
      }
    }
    #expect(tally.total == Self.files.count * Self.rounds)
    #expect(tally.counts["other", default: 0] == 0)
    let mix = kinds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
    print(
      "mutation: seed \(Self.seed), \(tally.total) mutants (\(mix.joined(separator: ", "))): \(tally.summary)"
    )
  }
}
