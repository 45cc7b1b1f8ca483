import BiDenseIR
import BiDenseTemplates
import Foundation

/// A C template from Templates/C, rendered with what the generator knows folded in.
///
/// Tags:
/// - `{{expr}}`: an integer expression over template values and `$c` (the C variable `c`),
///   folded (`{{$oy * strideH + $i}}` gives `oy * 2 + i`, or `oy + i` when the stride is 1);
///   a text value is inserted as it is.
/// - `{{for $i in count}}` … `{{end}}` (or `in count step s`): a loop with a count the
///   generator knows. A count of one leaves the body alone, with `$i` folded to 0, and no
///   count leaves nothing; so inside, the variable is written `{{$i}}` only.
/// - `{{if cond}}` … `{{else}}` … `{{end}}`: kept or dropped by the generator.
/// - `{{enum}}`: where a function declares the named sizes (`enum { IN_W = 24 };`) that
///   its body uses.
/// A control tag alone on its line leaves no line behind. A value the template needs and the
/// generator does not supply is a generator bug, reported by name.
package struct Template {
  let name: String
  private let nodes: [Node]

  package init(_ name: String) throws {
    try self.init(name: name, text: try Self.text(name))
  }

  /// The text of template `name`, unrendered.
  static func text(_ name: String) throws -> String {
    guard let text = CTemplates.text(name) else {
      throw BiDenseError(
        "the C template '\(name)' is missing; reinstall bidensec with its resource bundle")
    }
    return text
  }

  /// A part of a kernel's template, to render where a value tag stands alone on its line
  /// (which gives it the line's indentation and break): its text without the last newline.
  static func part(_ name: String) throws -> String {
    let text = try text(name)
    return text.hasSuffix("\n") ? String(text.dropLast()) : text
  }

  /// A template from text, for fragments and tests.
  init(name: String, text: String) throws {
    self.name = name
    var parser = TemplateParser(text: Substring(text), template: name)
    nodes = try parser.parse(until: [])
  }

  func render(_ values: [String: TemplateValue]) throws -> String {
    var renderer = TemplateRenderer(template: name, values: values)
    let text = try renderer.render(nodes)
    return renderer.declareNames(in: text)
  }

  /// Renders with text values only (the harnesses).
  package func render(_ values: [String: String]) throws -> String {
    try render(values.mapValues { TemplateValue.text($0) })
  }
}

private indirect enum Node {
  case text(Substring)
  case expression(TemplateExpression)
  /// `{{+ expr}}`: ` + expr`, or nothing when the expression is 0 (a pointer's offset).
  case offset(TemplateExpression)
  case loop(
    variable: String, count: TemplateExpression, step: TemplateExpression?, indent: String,
    body: [Node])
  case condition(TemplateExpression, then: [Node], otherwise: [Node])
  case names(indent: String)
}

private struct TemplateParser {
  var rest: Substring
  let template: String

  init(text: Substring, template: String) {
    rest = text
    self.template = template
  }

  func error(_ message: String) -> BiDenseError {
    BiDenseError("template '\(template)': \(message)")
  }

  /// The control word that ended the last `parse(until:)`.
  private(set) var lastTerminator = ""
  /// Whether the text so far ends a line, so that a tag after only spaces is alone on it.
  private var atLineStart = true

  /// Nodes up to one of the control words `terminators`, or to the end when none is given.
  mutating func parse(until terminators: Set<String>) throws -> [Node] {
    var nodes: [Node] = []
    while let open = rest.range(of: "{{") {
      guard let close = rest.range(of: "}}", range: open.upperBound..<rest.endIndex) else {
        throw error("an unclosed '{{'")
      }
      var before = rest[..<open.lowerBound]
      let tag = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
      rest = rest[close.upperBound...]
      let word = tag.split(separator: " ", maxSplits: 1).first.map(String.init) ?? ""
      let control = ["for", "if", "else", "end", "enum"].contains(word)
      // A control tag alone on its line takes the line with it.
      var indent = ""
      let newline = before.lastIndex(of: "\n")
      let lineStart = newline.map { before.index(after: $0) } ?? before.startIndex
      let leading = before[lineStart...]
      let alone =
        control && leading.allSatisfy { $0 == " " } && (newline != nil || atLineStart)
        && (rest.first == "\n" || rest.isEmpty)
      if alone {
        indent = String(leading)
        before = before[..<lineStart]
        if rest.first == "\n" { rest = rest.dropFirst() }
      }
      if !before.isEmpty { nodes.append(.text(before)) }
      if alone {
        atLineStart = true
      } else if control {
        atLineStart = before.isEmpty ? atLineStart : before.hasSuffix("\n")
      } else {
        atLineStart = false
      }
      switch word {
      case "for":
        // for $i in COUNT [step STEP]
        let parts = tag.dropFirst(3).trimmingCharacters(in: .whitespaces)
        guard parts.hasPrefix("$"), let inRange = parts.range(of: " in ") else {
          throw error("'{{\(tag)}}' is not '{{for $i in count}}'")
        }
        let variable = String(parts[parts.index(after: parts.startIndex)..<inRange.lowerBound])
        var countText = parts[inRange.upperBound...]
        var step: TemplateExpression?
        if let stepRange = countText.range(of: " step ") {
          step = try TemplateExpression.parse(
            countText[stepRange.upperBound...], template: template)
          countText = countText[..<stepRange.lowerBound]
        }
        let count = try TemplateExpression.parse(countText, template: template)
        let body = try parse(until: ["end"])
        try checkNoRawUse(of: variable, in: body)
        nodes.append(
          .loop(variable: variable, count: count, step: step, indent: indent, body: body))
      case "if":
        let condition = try TemplateExpression.parse(
          Substring(tag.dropFirst(2)), template: template)
        let then = try parse(until: ["else", "end"])
        let otherwise = lastTerminator == "else" ? try parse(until: ["end"]) : []
        nodes.append(.condition(condition, then: then, otherwise: otherwise))
      case "else", "end":
        guard terminators.contains(word) else { throw error("an unexpected '{{\(word)}}'") }
        lastTerminator = word
        return nodes
      case "enum":
        nodes.append(.names(indent: indent))
      default:
        if tag.hasPrefix("+ ") {
          nodes.append(
            .offset(try TemplateExpression.parse(Substring(tag.dropFirst(2)), template: template)))
        } else {
          nodes.append(
            .expression(try TemplateExpression.parse(Substring(tag), template: template)))
        }
      }
    }
    guard terminators.isEmpty else {
      throw error("a '{{for}}' or '{{if}}' without '{{end}}'")
    }
    if !rest.isEmpty { nodes.append(.text(rest)) }
    rest = ""
    return nodes
  }

  /// A loop the generator may drop (one iteration) must not name its variable in plain C
  /// text, where it could not be folded to 0.
  func checkNoRawUse(of variable: String, in body: [Node]) throws {
    for node in body {
      switch node {
      case .text(let text):
        if CText.mentions(variable, inCode: text) {
          throw error("the loop variable '\(variable)' is used outside '{{ }}' in its loop")
        }
      case .loop(_, _, _, _, let inner):
        try checkNoRawUse(of: variable, in: inner)
      case .condition(_, let then, let otherwise):
        try checkNoRawUse(of: variable, in: then)
        try checkNoRawUse(of: variable, in: otherwise)
      case .expression, .offset, .names:
        break
      }
    }
  }
}

private struct TemplateRenderer {
  let template: String
  var values: [String: TemplateValue]
  /// Loop variables the generator dropped, with their only value.
  var bound: [String: Int] = [:]
  /// Per `{{enum}}` region, the named sizes its text uses, in first-use order.
  var regions: [[(name: String, value: Int)]] = []
  var regionIndents: [String] = []
  /// A region lasts from its `{{enum}}` to the brace that closes its function, alone on a
  /// line at the margin; outside one, a named size renders as its number (in comments).
  var regionOpen = false
  /// How deep in fragments the renderer is; their braces close no function.
  var fragmentDepth = 0

  init(template: String, values: [String: TemplateValue]) {
    self.template = template
    self.values = values
  }

  func error(_ message: String) -> BiDenseError {
    BiDenseError("template '\(template)': \(message)")
  }

  /// A marker for region `i`'s declarations, replaced once its uses are known.
  static func marker(_ i: Int) -> String { "\u{1}names\(i)\u{1}" }

  mutating func render(_ nodes: [Node]) throws -> String {
    var out = ""
    for (index, node) in nodes.enumerated() {
      switch node {
      case .text(let text):
        out += text
        if regionOpen && fragmentDepth == 0
          && (text.hasPrefix("}\n") || text.contains("\n}\n") || text.hasSuffix("\n}"))
        {
          regionOpen = false
        }
      case .offset(let expression):
        guard case .linear(let linear) = try evaluate(expression, symbolic: true) else {
          throw error("an offset that is not a number")
        }
        if let k = linear.known, k < 0 {
          out += " - \(-k)"
        } else if linear != Linear(0) {
          out += " + " + linear.rendered
        }
      case .expression(let expression):
        switch try evaluate(expression, symbolic: true) {
        case .linear(let linear):
          // Next to `-`, `*`, `/` or `%` in the C around it, a sum keeps its parentheses.
          let before = out.last { $0 != " " }
          var after: Character?
          if index + 1 < nodes.count, case .text(let next) = nodes[index + 1] {
            after = next.first { $0 != " " }
          }
          let tight =
            (before.map { "-*/%~!".contains($0) } ?? false)
            || (after.map { "*/%".contains($0) } ?? false)
          out += tight ? linear.factor : linear.rendered
        case .text(let text):
          // Text of several lines placed after an indentation keeps it on every line.
          let line = out.split(separator: "\n", omittingEmptySubsequences: false).last ?? ""
          if text.contains("\n"), !line.isEmpty, line.allSatisfy({ $0 == " " }) {
            out += text.indented(by: line.count).dropFirst(line.count)
          } else {
            out += text
          }
        case .bool: throw error("a condition where a value belongs")
        }
      case .loop(let variable, let countExpression, let stepExpression, let indent, let body):
        let count = try known(countExpression)
        var step = 1
        if let stepExpression { step = try known(stepExpression) }
        guard step > 0 else { throw error("loop over '\(variable)' with step \(step)") }
        let trips = count <= 0 ? 0 : (count + step - 1) / step
        if trips == 0 { continue }
        if trips == 1 {
          let saved = bound[variable]
          bound[variable] = 0
          out += try render(body).indented(by: -4)
          bound[variable] = saved
          continue
        }
        guard case .linear(let bound) = try evaluate(countExpression, symbolic: true) else {
          throw error("loop count of '\(variable)' is not a number")
        }
        let advance = step == 1 ? "++\(variable)" : "\(variable) += \(step)"
        out += "\(indent)for (int \(variable) = 0; \(variable) < \(bound.rendered); \(advance)) {\n"
        out += try render(body)
        out += "\(indent)}\n"
      case .condition(let condition, let then, let otherwise):
        guard case .bool(let holds) = try evaluate(condition, symbolic: false) else {
          throw error("an '{{if}}' on something other than a condition")
        }
        out += try render(holds ? then : otherwise)
      case .names(let indent):
        out += Self.marker(regions.count)
        regions.append([])
        regionIndents.append(indent)
        regionOpen = true
      }
    }
    return out
  }

  /// The text with each region's marker replaced by its `enum` line (or nothing).
  func declareNames(in text: String) -> String {
    var out = text
    for (i, names) in regions.enumerated() {
      let declaration =
        names.isEmpty
        ? ""
        : regionIndents[i] + "enum { "
          + names.map { "\($0.name) = \($0.value)" }.joined(separator: ", ") + " };\n"
      out = out.replacingOccurrences(of: Self.marker(i), with: declaration)
    }
    return out
  }

  enum Evaluated {
    case linear(Linear)
    case text(String)
    case bool(Bool)
  }

  mutating func known(_ expression: TemplateExpression) throws -> Int {
    guard case .linear(let linear) = try evaluate(expression, symbolic: false),
      let value = linear.known
    else { throw error("a count the generator does not know") }
    return value
  }

  /// The expression's value: `symbolic` renders named sizes by name (recording their use);
  /// otherwise they are their numbers, for counts and conditions.
  mutating func evaluate(_ expression: TemplateExpression, symbolic: Bool) throws -> Evaluated {
    switch expression {
    case .number(let n):
      return .linear(Linear(n))
    case .variable(let name):
      if let value = bound[name] { return .linear(Linear(value)) }
      guard symbolic else { throw error("the C variable '\(name)' in a condition or count") }
      return .linear(Linear(atom: name))
    case .value(let name):
      guard let value = values[name] else { throw error("needs value '\(name)'") }
      switch value {
      case .int(let n): return .linear(Linear(n))
      case .named(let cName, let n):
        guard symbolic, n != 0 && n != 1, regionOpen else { return .linear(Linear(n)) }
        if !regions[regions.count - 1].contains(where: { $0.name == cName }) {
          regions[regions.count - 1].append((cName, n))
        }
        return .linear(Linear(atom: cName))
      case .text(let text): return .text(text)
      case .bool(let flag): return .bool(flag)
      case .fragment(let text):
        var parser = TemplateParser(text: Substring(text), template: "\(template): \(name)")
        let nodes = try parser.parse(until: [])
        fragmentDepth += 1
        defer { fragmentDepth -= 1 }
        return .text(try render(nodes))
      case .scoped(let text, let extra):
        var parser = TemplateParser(text: Substring(text), template: "\(template): \(name)")
        let nodes = try parser.parse(until: [])
        let saved = values
        values.merge(extra) { $1 }
        fragmentDepth += 1
        defer {
          values = saved
          fragmentDepth -= 1
        }
        return .text(try render(nodes))
      }
    case .unary(let op, let operand):
      let value = try evaluate(operand, symbolic: symbolic)
      switch (op, value) {
      case ("-", .linear(let linear)): return .linear(-linear)
      case ("!", .bool(let flag)): return .bool(!flag)
      default: throw error("'\(op)' on the wrong kind of value")
      }
    case .binary(let op, let a, let b):
      let left = try evaluate(a, symbolic: symbolic)
      if op == "&&" || op == "||" {
        guard case .bool(let x) = left else { throw error("'\(op)' on a non-condition") }
        if op == "&&" && !x { return .bool(false) }
        if op == "||" && x { return .bool(true) }
        guard case .bool(let y) = try evaluate(b, symbolic: symbolic) else {
          throw error("'\(op)' on a non-condition")
        }
        return .bool(y)
      }
      guard case .linear(let x) = left, case .linear(let y) = try evaluate(b, symbolic: symbolic)
      else { throw error("'\(op)' on text") }
      switch op {
      case "+": return .linear(x + y)
      case "-": return .linear(x - y)
      case "*": return .linear(x * y)
      case "/": return .linear(x.divided(by: y))
      case "%": return .linear(x.remainder(by: y))
      default:
        guard let l = x.known, let r = y.known else {
          throw error("'\(op)' needs numbers the generator knows")
        }
        switch op {
        case "<": return .bool(l < r)
        case "<=": return .bool(l <= r)
        case ">": return .bool(l > r)
        case ">=": return .bool(l >= r)
        case "==": return .bool(l == r)
        default: return .bool(l != r)
        }
      }
    }
  }
}

extension String {
  /// Every non-empty line moved right by `spaces` (left when negative).
  func indented(by spaces: Int) -> String {
    guard spaces != 0 else { return self }
    return split(separator: "\n", omittingEmptySubsequences: false).map { line in
      if line.isEmpty { return String(line) }
      if spaces > 0 { return String(repeating: " ", count: spaces) + line }
      return String(line.dropFirst(min(-spaces, line.prefix { $0 == " " }.count)))
    }.joined(separator: "\n")
  }
}
