import BiDenseCodegen
import BiDenseFrontend
import BiDenseIR
import BiDensePasses
import BiDenseReference
import BiDenseTemplates
import Foundation

/// What this machine's processor is, from /proc/cpuinfo (empty elsewhere): for the benchmark's
/// report and for choosing the host's vector path.
public enum HostMachine {
  static let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""

  /// The first line of /proc/cpuinfo that starts with `key`, after its colon.
  static func field(_ key: String) -> String? {
    cpuinfo.split(separator: "\n").first { $0.hasPrefix(key) }
      .map { $0.split(separator: ":", maxSplits: 1).last!.trimmingCharacters(in: .whitespaces) }
  }

  /// The processor's feature flags (`avx2`, `asimd`, ...).
  public static let features = Set(
    (field("flags") ?? field("Features") ?? "").split(separator: " ").map(String.init))

  public static var hasAVX2: Bool { features.contains("avx2") }

  /// The AVX-512 subsets the `<PREFIX>_AVX512` path compiles for: F, BW, VL, DQ and the
  /// 64-bit lane popcount (VPOPCNTDQ).
  public static var hasAVX512: Bool {
    ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_vpopcntdq"].allSatisfy(
      features.contains)
  }

  /// "AMD EPYC (avx2), 2 cores": the model, its widest vector extension, the cores.
  public static var description: String {
    var text = field("model name") ?? ProcessInfo.processInfo.hostName
    if let vector = ["avx512f", "avx2", "asimd"].first(where: features.contains) {
      text += " (\(vector))"
    }
    return text + ", \(ProcessInfo.processInfo.activeProcessorCount) cores"
  }
}
