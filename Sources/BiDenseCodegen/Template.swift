import BiDenseIR
import BiDensePasses
import BiDenseTemplates

/// A C template from Templates/C: `{{key}}` is replaced by a value, `{{#flag}}…{{/flag}}` is
/// kept only when the flag is true and `{{^flag}}…{{/flag}}` only when it is false. A key
/// the generator does not supply is a generator bug, reported by name.
package struct Template {
  let name: String
  let text: String

  package init(_ name: String) throws {
    guard let text = CTemplates.text(name) else {
      throw BiDenseError(
        "the C template '\(name)' is missing; reinstall bidensec with its resource bundle")
    }
    self.name = name
    self.text = text
  }

  /// A template from text, for tests.
  init(name: String, text: String) {
    self.name = name
    self.text = text
  }

  package func render(_ values: [String: String], flags: [String: Bool] = [:]) throws -> String {
    try Self.expand(Substring(text), values, flags, template: name)
  }

  private static func expand(
    _ text: Substring, _ values: [String: String], _ flags: [String: Bool], template: String
  ) throws -> String {
    var out = ""
    var rest = text
    while let open = rest.range(of: "{{") {
      out += rest[..<open.lowerBound]
      guard let close = rest.range(of: "}}", range: open.upperBound..<rest.endIndex) else {
        throw BiDenseError("template '\(template)' has an unclosed '{{'")
      }
      let tag = rest[open.upperBound..<close.lowerBound]
      rest = rest[close.upperBound...]
      if let marker = tag.first, marker == "#" || marker == "^" {
        let key = String(tag.dropFirst())
        guard let end = rest.range(of: "{{/\(key)}}") else {
          throw BiDenseError("template '\(template)' does not close section '\(key)'")
        }
        guard let flag = flags[key] else {
          throw BiDenseError("template '\(template)' needs flag '\(key)'")
        }
        var body = rest[..<end.lowerBound]
        // A section tag alone on its line leaves no blank line behind.
        if body.first == "\n" && (out.isEmpty || out.last == "\n") { body = body.dropFirst() }
        if flag == (marker == "#") {
          out += try expand(body, values, flags, template: template)
        }
        rest = rest[end.upperBound...]
        // A section tag alone on its line leaves no blank line behind.
        if rest.first == "\n" && (out.isEmpty || out.last == "\n") { rest = rest.dropFirst() }
      } else {
        let key = String(tag)
        guard let value = values[key] else {
          throw BiDenseError("template '\(template)' needs value '\(key)'")
        }
        out += value
      }
    }
    out += rest
    return out
  }
}
