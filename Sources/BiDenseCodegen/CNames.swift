import BiDenseIR
import BiDensePasses
import BiDenseTemplates
import Foundation

/// Turning model names and numbers into C text that cannot break the C around it.
enum CText {
  /// Template text that sets `first`, `step` and `count` for output channel `{{$o}}` of a
  /// bypass with merged means: the plan's arithmetic with literal bounds, so no table goes to
  /// flash. (A bypass of copies only needs none: channel o copies `o % in`.)
  static func bypassSelection(_ plan: ChannelBypassPlan) -> String {
    var branches: [String] = []
    if plan.copies > 0 {
      branches.append("if ({{$o}} < \(plan.copies)) {\n    first = {{$o % \(plan.inChannels)}};\n}")
    }
    if plan.stridedMeans > 0 {
      let end = plan.copies + plan.stridedMeans
      branches.append(
        "if ({{$o}} < \(end)) {\n    first = {{$o - \(plan.copies)}};\n    step = "
          + "\(plan.stridedMeans);\n    count = \(plan.stridedCount);\n}")
    }
    let last = plan.sources[plan.outChannels - 1]
    branches.append("{\n    first = \(last.start);\n    count = \(last.count);\n}")
    return branches.joined(separator: " else ")
  }

  /// A C identifier from any name: letters, digits and underscores only, not starting with a
  /// digit, at most 48 characters.
  static func identifier(_ name: String) -> String {
    var out = ""
    for scalar in name.unicodeScalars {
      let ok = scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar))
      if ok {
        out.unicodeScalars.append(scalar)
      } else if !out.hasSuffix("_") {
        out += "_"
      }
    }
    while out.hasSuffix("_") && out.count > 1 { out.removeLast() }
    if out.isEmpty || out == "_" { out = "model" }
    if let first = out.unicodeScalars.first, ("0"..."9").contains(first) { out = "m_" + out }
    return String(out.prefix(48))
  }

  /// Text safe inside a /* */ comment: printable ASCII only, no "*/" or "/*", and no "??"
  /// that a C99 compiler could read as a trigraph.
  static func comment(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
      out.unicodeScalars.append(
        scalar.isASCII && scalar.value >= 0x20 && scalar.value < 0x7F ? scalar : "?")
    }
    // "{{" and "}}" would open a template tag where the comment goes through a template.
    for (bad, good) in [("*/", "* /"), ("/*", "/ *"), ("??", "? ?"), ("{{", "{ {"), ("}}", "} }")] {
      while out.contains(bad) { out = out.replacingOccurrences(of: bad, with: good) }
    }
    return out
  }

  /// A C string literal: printable ASCII kept, quotes, backslashes, question marks (trigraphs)
  /// and everything else escaped as octal.
  static func stringLiteral(_ text: String) -> String {
    var out = "\""
    for byte in text.utf8 {
      switch byte {
      case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "?"):
        out += "\\" + String(UnicodeScalar(byte))
      case 0x20..<0x7F:
        out += String(UnicodeScalar(byte))
      default:
        let octal = String(byte, radix: 8)
        out += "\\" + String(repeating: "0", count: 3 - octal.count) + octal
      }
    }
    return out + "\""
  }

  /// A float literal that reads back as exactly `value` (the shortest such decimal), with
  /// INFINITY and NAN from <math.h> where needed.
  static func float(_ value: Float) -> String {
    if value.isNaN { return "NAN" }
    if value.isInfinite { return value < 0 ? "-INFINITY" : "INFINITY" }
    var text = "\(value)"
    if !text.contains(".") && !text.contains("e") { text += ".0" }
    return text + "f"
  }

  /// Whether C text names `identifier` as a whole word outside comments and string literals.
  static func mentions(_ identifier: String, inCode text: Substring) -> Bool {
    var code = ""
    var rest = text[...]
    while !rest.isEmpty {
      if rest.hasPrefix("/*") {
        rest = rest.range(of: "*/").map { rest[$0.upperBound...] } ?? ""
        code += " "
      } else if rest.first == "\"" {
        rest = rest.dropFirst()
        while let c = rest.first, c != "\"" { rest = rest.dropFirst(c == "\\" ? 2 : 1) }
        rest = rest.dropFirst()
        code += " "
      } else {
        code.append(rest.removeFirst())
      }
    }
    var word = ""
    for c in code + " " {
      if c.isLetter || c.isNumber || c == "_" {
        word.append(c)
      } else {
        if word == identifier { return true }
        word = ""
      }
    }
    return false
  }
}
