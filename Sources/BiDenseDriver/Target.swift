import BiDenseCodegen
import BiDenseFrontend
import BiDenseIR
import BiDensePasses
import BiDenseReference
import BiDenseTemplates
import Foundation

/// Where generated C runs: the word size the kernels pack bits into, the compiler and its
/// flags, the harness that drives the model there, and the program that runs it (the host
/// itself, or an emulator). `verify` and `bench` build and run through a target so that they
/// check the code that will ship.
public struct Target: Sendable {
  /// How a program built for this target is started.
  public enum Runner: Sendable, Equatable {
    /// Run directly on this machine.
    case native
    /// `qemu-aarch64 -L SYSROOT program args`: a Linux user-mode emulator.
    case qemuUser(emulator: String, sysroot: String)
    /// `qemu-system-arm -M MACHINE` with semihosting: a bare-metal board emulator; the
    /// program reads and writes files in its working folder through the debugger interface.
    case qemuSystem(emulator: String, machine: String)
  }

  /// How the harness is built: a hosted program (stdio, malloc, argv) or a bare-metal image
  /// (startup code, linker script, semihosting).
  public enum Harness: Sendable, Equatable {
    case hosted
    case bareMetal
  }

  public var name: String
  public var summary: String
  /// The bits of one packed word (`uint32_t` on Cortex-M, `uint64_t` elsewhere).
  public var wordBits: Int
  public var compiler: String
  /// Architecture flags: always passed, before the optimisation flags.
  public var archFlags: [String]
  /// Optimisation flags, replaced by `--cflags`.
  public var optimizationFlags: [String]
  /// Extra flags for the link of a harness.
  public var linkFlags: [String]
  /// Extra macros, without the prefix: `NEON` becomes `-D<PREFIX>_NEON`.
  public var defines: [String]
  public var runner: Runner
  public var harness: Harness
  /// The binutils `size` for this target's objects.
  public var sizeTool: String
  /// Bare metal: the board's memory, for the linker script.
  public var memory: Memory?

  /// The code and data regions of a board.
  public struct Memory: Sendable, Equatable {
    public var flashOrigin: UInt64
    public var flashBytes: Int
    public var ramOrigin: UInt64
    public var ramBytes: Int
    /// Stack reserved at the top of RAM by the harness.
    public var stackBytes: Int
    /// Virtual instructions per SysTick tick under `-icount shift=0` (the board's clock).
    public var instructionsPerTick: Int
  }

  /// What the kernels are lowered for: the word, and whether the C may take the AVX-512 path
  /// (only the host's C, on an x86-64 host).
  public var kernels: KernelTarget {
    KernelTarget(
      wordBits: wordBits,
      avx512Layout: runner == .native && wordBits >= 64 && KernelTarget.runsOnX86)
  }

  /// The flags for a compile: architecture, optimisation, the target's defines.
  public func flags(prefix: String, optimization: [String]? = nil) -> [String] {
    archFlags + (optimization ?? optimizationFlags)
      + defines.map { "-D\(prefix.uppercased())_\($0)" }
  }

  /// The command that runs `program` with `arguments`.
  public func runCommand(_ program: String, _ arguments: [String]) -> [String] {
    switch runner {
    case .native:
      return [program] + arguments
    case .qemuUser(let emulator, let sysroot):
      return [emulator, "-L", sysroot, program] + arguments
    case .qemuSystem(let emulator, let machine):
      // A bare-metal harness takes no arguments: it reads and writes fixed file names in
      // the emulator's working folder. `-icount shift=0`: one instruction, one nanosecond.
      return [
        emulator, "-M", machine, "-nographic", "-monitor", "none", "-serial", "none",
        "-icount", "shift=0", "-semihosting-config", "enable=on,target=native", "-kernel",
        program,
      ]
    }
  }

  /// The programs this target needs: the compiler and the emulator.
  public var tools: [String] {
    switch runner {
    case .native: return [compiler]
    case .qemuUser(let emulator, _), .qemuSystem(let emulator, _): return [compiler, emulator]
    }
  }

  /// The tools this machine lacks for the target, empty when it can build and run.
  public var missingTools: [String] { tools.filter { Shell.find($0) == nil } }

  public static let host = Target(
    name: "host", summary: "this machine, with cc", wordBits: 64, compiler: "cc", archFlags: [],
    optimizationFlags: ["-O2"], linkFlags: [], defines: [], runner: .native, harness: .hosted,
    sizeTool: "size", memory: nil)

  /// mps2-an386 and mps2-an500: 4 MB of code at 0, 4 MB of data at 0x20000000, 25 MHz.
  static let mps2 = Memory(
    flashOrigin: 0, flashBytes: 4 << 20, ramOrigin: 0x2000_0000, ramBytes: 4 << 20,
    stackBytes: 64 << 10, instructionsPerTick: 40)

  public static let cortexM4 = Target(
    name: "cortex-m4", summary: "Cortex-M4F, arm-none-eabi-gcc, QEMU mps2-an386", wordBits: 32,
    compiler: "arm-none-eabi-gcc",
    archFlags: ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"],
    optimizationFlags: ["-O2"], linkFlags: [], defines: [],
    runner: .qemuSystem(emulator: "qemu-system-arm", machine: "mps2-an386"),
    harness: .bareMetal, sizeTool: "arm-none-eabi-size", memory: mps2)

  public static let cortexM7 = Target(
    name: "cortex-m7", summary: "Cortex-M7, arm-none-eabi-gcc, QEMU mps2-an500", wordBits: 32,
    compiler: "arm-none-eabi-gcc",
    archFlags: ["-mcpu=cortex-m7", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv5-d16"],
    optimizationFlags: ["-O2"], linkFlags: [], defines: [],
    runner: .qemuSystem(emulator: "qemu-system-arm", machine: "mps2-an500"),
    harness: .bareMetal, sizeTool: "arm-none-eabi-size", memory: mps2)

  public static let aarch64 = Target(
    name: "aarch64", summary: "64-bit Arm Linux with NEON, aarch64-linux-gnu-gcc, qemu-aarch64",
    wordBits: 64, compiler: "aarch64-linux-gnu-gcc", archFlags: ["-march=armv8-a"],
    optimizationFlags: ["-O2"], linkFlags: [], defines: ["NEON"],
    runner: .qemuUser(emulator: "qemu-aarch64", sysroot: "/usr/aarch64-linux-gnu"),
    harness: .hosted, sizeTool: "aarch64-linux-gnu-size", memory: nil)

  public static let all: [Target] = [.host, .cortexM4, .cortexM7, .aarch64]

  public static func named(_ name: String) -> Target? {
    all.first { $0.name == name }
  }
}
