import BiDenseCodegen
import BiDenseFrontend
import BiDenseIR
import BiDensePasses
import BiDenseReference
import BiDenseTemplates
import Foundation

/// The whole pipeline from a primitive graph to C: fuse, pack, plan, emit.
public struct CompiledModel: Sendable {
  /// The graph the C computes: the model's, or its approximation when one was asked for.
  public var graph: Graph
  /// The model's own graph, exact.
  public var exactGraph: Graph
  public var schedule: Schedule
  public var generated: GeneratedC
  public var options: EmitOptions

  public init(_ graph: Graph, options: EmitOptions) throws {
    exactGraph = graph
    self.graph = options.dabScale == .perLayer ? LayerScaleApproximation.apply(graph) : graph
    self.options = options
    schedule = StatisticsFusion.shareChannelMeans(Fusion.fuse(self.graph))
    generated = try CEmitter.emit(schedule, options)
  }

  /// Whether the C computes an approximation of the model rather than the model.
  public var isApproximate: Bool { options.dabScale != .perChannel }

  /// Writes the generated files into `directory`, creating it.
  public func write(to directory: URL) throws {
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      for file in generated.files {
        try Data(file.contents.utf8).write(to: directory.appendingPathComponent(file.name))
      }
    } catch let error as BiDenseError {
      throw error
    } catch {
      throw BiDenseError(
        file: directory.path, "cannot write the generated C: \(error.localizedDescription)")
    }
  }
}
