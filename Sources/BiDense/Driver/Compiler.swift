import Foundation

/// The whole pipeline from a primitive graph to C: fuse, pack, plan, emit.
public struct CompiledModel: Sendable {
  public var graph: Graph
  public var schedule: Schedule
  public var generated: GeneratedC
  public var options: EmitOptions

  public init(_ graph: Graph, options: EmitOptions) throws {
    self.graph = graph
    self.options = options
    schedule = StatisticsFusion.shareChannelMeans(Fusion.fuse(graph))
    generated = try CEmitter.emit(schedule, options)
  }

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
