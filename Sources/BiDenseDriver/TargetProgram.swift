import BiDenseCodegen
import BiDenseFrontend
import BiDenseIR
import BiDensePasses
import BiDenseReference
import BiDenseTemplates
import Foundation

/// A model's generated C and a target's harness, compiled together in a folder, ready to run
/// there: on this machine, under `qemu-aarch64`, or on an emulated Cortex-M board.
public struct TargetProgram: Sendable {
  public var target: Target
  public var directory: URL
  /// The model's C prefix.
  public var prefix: String
  /// The compiled harness, in `directory`.
  public var program: String
  public var compileCommand: [String]

  /// What one run brought back besides its files.
  public struct Run: Sendable {
    /// What the program printed (standard output and error).
    public var output: String
    /// Bytes of stack from its top to the deepest word the run touched (bare-metal harness:
    /// the stack is painted before `NAME_run` and checked after it).
    public var stackBytes: Int?
    /// Instructions `NAME_run` executed untraced: SysTick ticks under `-icount shift=0` times
    /// the instructions per tick of the board's clock.
    public var instructions: Int?
  }

  /// Writes the model's C and the target's harness into `directory` and compiles them.
  /// `compiler` and `optimization` replace the target's (`--cc`, `--cflags`); `trace` builds
  /// with `-D<PREFIX>_TRACE`, so that the harness writes trace.bin (and, for verification,
  /// `-D<PREFIX>_TRACE_SIGNS`, so that nodes keeping only ternary signs trace them).
  public static func build(
    _ model: CompiledModel, for target: Target, in directory: URL, compiler: String? = nil,
    optimization: [String]? = nil, trace: Bool, bench: [String: String]? = nil,
    timeout: TimeInterval = 900
  ) throws -> TargetProgram {
    try model.write(to: directory)
    let prefix = model.generated.prefix
    let upper = prefix.uppercased()
    // `bench` (the node count and runs) swaps the verification harness for the timing one.
    let names = ["prefix": prefix, "PREFIX": upper].merging(bench ?? [:]) { $1 }
    var sources = ["main.c"]
    var linking: [String] = []
    let program: String
    switch target.harness {
    case .hosted:
      let main = bench == nil ? "harness/host_main.c" : "harness/bench_main.c"
      try write(Template(main).render(names), "main.c", in: directory)
      program = "model"
    case .bareMetal:
      guard let memory = target.memory else {
        throw BiDenseError("target \(target.name) has no memory map for its linker script")
      }
      let main = bench == nil ? "harness/baremetal_main.c" : "harness/baremetal_bench.c"
      let systick = try Template("harness/cortex_m_systick.c").render([:])
      try write(
        Template(main).render(names.merging(["systick": systick]) { $1 }), "main.c",
        in: directory)
      try write(
        Template("harness/cortex_m_startup.c").render([:]), "startup.c", in: directory)
      let board: String
      if case .qemuSystem(_, let machine) = target.runner { board = machine } else { board = "" }
      try write(
        Template("harness/cortex_m.ld").render([
          "board": board, "stackBytes": "\(memory.stackBytes)",
          "flashOrigin": hex(memory.flashOrigin), "flashBytes": "\(memory.flashBytes)",
          "ramOrigin": hex(memory.ramOrigin), "ramBytes": "\(memory.ramBytes)",
        ]), "harness.ld", in: directory)
      sources.append("startup.c")
      linking = ["--specs=rdimon.specs", "-nostartfiles", "-T", "harness.ld"]
      program = "model.elf"
    }
    let command =
      [compiler ?? target.compiler, "-std=c99"]
      + target.flags(prefix: prefix, optimization: optimization)
      + (trace ? ["-D\(upper)_TRACE"] : [])
      + (trace && bench == nil && model.tracesSigns ? ["-D\(upper)_TRACE_SIGNS"] : []) + linking + [
        "-o", program,
      ] + sources
      + ["\(prefix).c", "\(prefix)_weights.c"] + target.linkFlags + ["-lm"]
    let compiled = try Shell.run(command, in: directory, timeout: timeout)
    guard compiled.status == 0, !compiled.timedOut else {
      throw BiDenseError(
        "the C compiler failed for \(target.name) (\(Shell.quoted(command))):\n\(compiled.output)")
    }
    return TargetProgram(
      target: target, directory: directory, prefix: prefix,
      program: directory.appendingPathComponent(program).path, compileCommand: command)
  }

  /// The arguments a hosted harness takes; a bare-metal one reads and writes fixed names.
  var arguments: [String] {
    target.harness == .hosted ? ["input.f32", "output.f32", "trace.bin"] : []
  }

  /// The command that runs the program, with its name relative to the folder, for reports.
  public var runCommand: String {
    Shell.quoted(
      target.runCommand(URL(fileURLWithPath: program).lastPathComponent, arguments))
  }

  /// Runs the program on `input` (written to input.f32); it writes output.f32 and, when built
  /// with tracing, trace.bin into the folder.
  public func run(input: [Float], timeout: TimeInterval = 900) throws -> Run {
    try RawFloats.encode(input).write(to: directory.appendingPathComponent("input.f32"))
    let output = try execute(arguments, timeout: timeout)
    var result = Run(output: output)
    for line in output.split(separator: "\n") where line.hasPrefix("bidensec-harness:") {
      let words = line.split(separator: " ")
      for (key, value) in zip(words, words.dropFirst()) {
        if key == "stack" { result.stackBytes = Int(value) }
        if key == "ticks", let ticks = Int(value), let memory = target.memory {
          result.instructions = ticks * memory.instructionsPerTick
        }
      }
    }
    return result
  }

  /// Runs the program with `arguments` (a hosted harness's; a bare-metal one takes none) in
  /// its folder, on the target; returns what it printed, or throws when it fails.
  func execute(_ arguments: [String], timeout: TimeInterval) throws -> String {
    let command = target.runCommand(program, arguments)
    let ran = try Shell.run(command, in: directory, timeout: timeout)
    guard ran.status == 0, !ran.timedOut else {
      throw BiDenseError(
        "the compiled model failed on \(target.name) (status \(ran.status)"
          + "\(ran.timedOut ? ", timed out after \(Int(timeout)) s" : ""); "
          + "\(Shell.quoted(command))):\n\(ran.output)")
    }
    return ran.output
  }

  /// The model's output, written by the last run.
  public func output() throws -> [Float] {
    try RawFloats.read(path: directory.appendingPathComponent("output.f32").path)
  }

  private static func write(_ text: String, _ name: String, in directory: URL) throws {
    try Data(text.utf8).write(to: directory.appendingPathComponent(name))
  }

  private static func hex(_ value: UInt64) -> String {
    "0x" + String(value, radix: 16, uppercase: true)
  }
}

/// What a model takes on a target: flash for its code and constants, RAM for its workspace and
/// the stack a bare-metal `main` calling `NAME_run` used.
public struct TargetFootprint: Sendable {
  public var target: String
  public var flashBytes: Int
  /// How the flash was counted.
  public var flashSource: String
  public var workspaceBytes: Int
  public var stackBytes: Int?
  /// Why the stack was not measured, when it was not.
  public var stackNote = "the harness measures the stack on bare-metal targets only"
  public var instructions: Int?
  /// Workspace plus the measured stack, when the stack was measured.
  public var ramBytes: Int? { stackBytes.map { workspaceBytes + $0 } }

  /// Compiles the model for `target` and counts its flash with the target's `size` (text,
  /// which holds the constants, plus data, of NAME.o and NAME_weights.o), or, without the
  /// tools, with the generator's own count of the weights. On a bare-metal target whose
  /// emulator is installed it also runs the harness once to measure the stack.
  public static func measure(
    _ model: CompiledModel, on target: Target, compiler: String? = nil,
    optimization: [String]? = nil, seed: UInt64 = 1, timeout: TimeInterval = 900
  ) throws -> TargetFootprint {
    var footprint = TargetFootprint(
      target: target.name, flashBytes: model.weights.pool.bytes,
      flashSource: "weights only, the generator's count (\(target.sizeTool) not installed)",
      workspaceBytes: model.plan.workspaceBytes)
    let cc = compiler ?? target.compiler
    guard Shell.find(cc) != nil else { return footprint }
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("bidensec-size-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    try model.write(to: directory)
    let prefix = model.generated.prefix
    if Shell.find(target.sizeTool) != nil {
      var objects: [String] = []
      for source in ["\(prefix).c", "\(prefix)_weights.c"] {
        let object = source.replacingOccurrences(of: ".c", with: ".o")
        let command =
          [cc, "-std=c99"] + target.flags(prefix: prefix, optimization: optimization)
          + ["-c", "-o", object, source]
        let compiled = try Shell.run(command, in: directory, timeout: timeout)
        guard compiled.status == 0, !compiled.timedOut else {
          throw BiDenseError(
            "the C compiler failed for \(target.name) (\(Shell.quoted(command))):\n"
              + compiled.output)
        }
        objects.append(object)
      }
      let sized = try Shell.run([target.sizeTool, "-B"] + objects, in: directory)
      if sized.status == 0, let bytes = Self.berkeleyTextPlusData(sized.output) {
        footprint.flashBytes = bytes
        footprint.flashSource =
          "text + data of \(prefix).o and \(prefix)_weights.o, \(target.sizeTool)"
      }
    }
    if target.harness == .bareMetal, !target.missingTools.isEmpty {
      footprint.stackNote =
        "not measured: \(target.missingTools.joined(separator: " and ")) not installed"
    }
    if target.harness == .bareMetal, target.missingTools.isEmpty {
      let program = try TargetProgram.build(
        model, for: target, in: directory, compiler: compiler, optimization: optimization,
        trace: false, timeout: timeout)
      var random = SeededRandom(seed: seed)
      let run = try program.run(input: random.normals(model.plan.inputFloats), timeout: timeout)
      footprint.stackBytes = run.stackBytes
      footprint.instructions = run.instructions
    }
    return footprint
  }

  /// The sum of text and data over the files of `size -B` output.
  static func berkeleyTextPlusData(_ output: String) -> Int? {
    var total = 0
    var rows = 0
    for line in output.split(separator: "\n").dropFirst() {
      let columns = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
      guard columns.count >= 2, let text = Int(columns[0]), let data = Int(columns[1]) else {
        continue
      }
      total += text + data
      rows += 1
    }
    return rows > 0 ? total : nil
  }

  /// Lines for a person: flash, RAM and, where measured, the instruction count.
  public var summary: String {
    var out = "target \(target): flash \(flashBytes) bytes (\(flashSource))\n"
    if let stackBytes, let ramBytes {
      out +=
        "  RAM \(ramBytes) bytes: workspace \(workspaceBytes) + stack \(stackBytes) "
        + "(measured by the harness)\n"
    } else {
      out += "  RAM: workspace \(workspaceBytes) bytes + stack (\(stackNote))\n"
    }
    if let instructions {
      out += "  \(instructions) instructions per run (QEMU -icount, SysTick)\n"
    }
    return out
  }
}
