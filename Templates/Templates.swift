import Foundation

/// The C templates that Codegen renders, read from this target's resources.
public enum CTemplates {
  /// The text of template `name` (a path under Templates/C, such as "kernels/add.c").
  /// Looks in the resource bundle beside the executable first, then in the source tree, so
  /// that an installed tool and a development build both find them.
  public static func text(_ name: String) -> String? {
    for folder in folders {
      let url = folder.appendingPathComponent(name)
      if let data = FileManager.default.contents(atPath: url.path) {
        return String(decoding: data, as: UTF8.self)
      }
    }
    return nil
  }

  static let folders: [URL] = {
    var result: [URL] = []
    let bundleName = "bidensec_BiDenseTemplates.resources"
    let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? ".")
      .resolvingSymlinksInPath().deletingLastPathComponent()
    for base in [Bundle.main.bundleURL, executable] {
      result.append(base.appendingPathComponent(bundleName).appendingPathComponent("C"))
    }
    // The source tree, for builds whose resource bundle lies elsewhere (tests).
    result.append(
      URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("C"))
    return result
  }()
}
