/// Lines of generated C kept within 100 columns, broken where a person would break them:
/// after a comma or before a logical operator, inside the parentheses they belong to, with
/// the continuation aligned under the opening parenthesis; comments rewrapped word by word.
enum CLayout {
  static let width = 100

  static func wrap(_ text: String) -> String {
    var out: [String] = []
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var i = 0
    while i < lines.count {
      let line = lines[i]
      let trimmed = line.drop { $0 == " " }
      if trimmed.hasPrefix("/*") {
        // A comment block: refilled as one paragraph when a line of it is too long.
        var end = i
        while !lines[end].contains("*/") && end + 1 < lines.count { end += 1 }
        let block = Array(lines[i...end])
        out += block.contains { $0.count > width } ? refill(block) : block
        i = end + 1
        continue
      }
      if line.count <= width {
        out.append(line)
      } else if trimmed.hasPrefix("#") {
        out += wrapDirective(line)
      } else {
        out += wrapCode(line)
      }
      i += 1
    }
    return out.joined(separator: "\n")
  }

  /// A comment block's words refilled within the width, under its first line's indentation.
  static func refill(_ block: [String]) -> [String] {
    let indent = String(block[0].prefix { $0 == " " })
    var words: [Substring] = []
    for (n, line) in block.enumerated() {
      var body = Substring(line).drop { $0 == " " }
      if n == 0 {
        body = body.dropFirst(2)
      } else if body.hasPrefix("*") && !body.hasPrefix("*/") {
        body = body.dropFirst()
      }
      if n == block.count - 1, let close = body.range(of: "*/") { body = body[..<close.lowerBound] }
      words += body.split(separator: " ")
    }
    var lines: [String] = []
    var current = indent + "/*"
    let continuation = indent + " *"
    for word in words + ["*/"] {
      if current.count + 1 + word.count > width && current != indent + "/*"
        && current != continuation
      {
        lines.append(current)
        current = continuation
      }
      current += " " + word
    }
    lines.append(current)
    return lines
  }

  /// A comment line's words refilled: continuation lines start with ` * ` under the comment.
  static func wrapComment(_ line: String) -> [String] {
    let indent = String(line.prefix { $0 == " " })
    let body = line.dropFirst(indent.count)
    let first: String
    var words: [Substring]
    if body.hasPrefix("/*") {
      first = indent + "/*"
      words = body.dropFirst(2).split(separator: " ")
    } else {
      first = indent + "*"
      words = body.dropFirst(1).split(separator: " ")
    }
    var lines: [String] = []
    var current = first
    let continuation = indent + (body.hasPrefix("/*") ? " *" : "*")
    for word in words {
      if current.count + 1 + word.count > width && current != first && current != continuation {
        lines.append(current)
        current = continuation
      }
      current += " " + word
    }
    lines.append(current)
    return lines
  }

  /// A preprocessor line broken with backslashes at spaces outside string literals.
  static func wrapDirective(_ line: String) -> [String] {
    // A break must leave the continuation (indented 8) shorter than the line, or a line that
    // cannot be shortened would be broken forever.
    let breaks = breakPoints(line, allowAtTopLevel: true)
    guard let point = breaks.last(where: { $0.offset <= width - 2 && $0.offset > 10 }) else {
      return [line]
    }
    let head = String(line.prefix(point.offset)).trimmingTrailingSpaces + " \\"
    let tail = "        " + String(line.dropFirst(point.offset)).drop { $0 == " " }
    guard tail.count < line.count else { return [line] }
    return [head] + (tail.count > width ? wrapDirective(tail) : [tail])
  }

  /// A code line broken at the rightmost good point that keeps the head within the width; a
  /// trailing comment that does not fit moves above the code.
  static func wrapCode(_ line: String) -> [String] {
    let indent = String(line.prefix { $0 == " " })
    if let comment = trailingComment(line) {
      let code = String(line.dropLast(comment.count)).trimmingTrailingSpaces
      return wrapComment(indent + comment) + (code.count > width ? wrapCode(code) : [code])
    }
    // The outermost break that fits: a break inside fewer parentheses keeps more of each
    // argument list on one line.
    let fitting = breakPoints(line, allowAtTopLevel: false).filter {
      $0.offset <= width && $0.offset > indent.count + 8
    }
    // With no break that fits (a very long name), the leftmost one still shortens the line;
    // a declaration without parentheses may break between any two words.
    var candidates = breakPoints(line, allowAtTopLevel: false).filter {
      $0.offset > indent.count + 8
    }
    if candidates.isEmpty {
      candidates = breakPoints(line, allowAtTopLevel: true).filter {
        $0.offset > indent.count + 8 && $0.offset <= width
      }.suffix(1)
    }
    guard
      let point = fitting.isEmpty
        ? candidates.first
        : fitting.last(where: { $0.depth == fitting.map(\.depth).min() })
    else { return [line] }
    let head = String(line.prefix(point.offset)).trimmingTrailingSpaces
    let hanging =
      point.openParen.map { $0 + 1 <= 40 ? $0 + 1 : indent.count + 8 } ?? indent.count + 8
    let tail =
      String(repeating: " ", count: hanging) + line.dropFirst(point.offset).drop { $0 == " " }
    guard tail.count < line.count else { return [line] }
    return [head] + (tail.count > width ? wrapCode(tail) : [tail])
  }

  /// Where a line may break: after `, ` and before ` && `, ` || `, ` ? `, ` : ` and binary
  /// ` + `, outside string and character literals; with the column of the innermost open
  /// parenthesis there. At the top level (outside parentheses) only when allowed.
  static func breakPoints(_ line: String, allowAtTopLevel: Bool) -> [(
    offset: Int, openParen: Int?, depth: Int
  )] {
    let chars = Array(line)
    var points: [(offset: Int, openParen: Int?, depth: Int)] = []
    var parens: [Int] = []
    var quote: Character?
    var i = 0
    while i < chars.count {
      let c = chars[i]
      if let q = quote {
        if c == "\\" {
          i += 2
          continue
        }
        if c == q { quote = nil }
        i += 1
        continue
      }
      switch c {
      case "\"", "'": quote = c
      case "(" where i + 1 < chars.count && chars[i + 1] != ")" && !allowAtTopLevel:
        // After the parenthesis of a call or declaration, the arguments go on the next line.
        parens.append(i)
        points.append((i + 1, nil, parens.count))
      case "(", "[", "{": parens.append(i)
      case ")", "]", "}": _ = parens.popLast()
      default: break
      }
      if c == "," && i + 1 < chars.count && chars[i + 1] == " "
        && (!parens.isEmpty || allowAtTopLevel)
      {
        points.append((i + 2, parens.last, parens.count))
      } else if c == " " && i + 3 < chars.count {
        let next = String(chars[(i + 1)...min(i + 3, chars.count - 1)])
        if next == "&& " || next == "|| " || next.hasPrefix("? ") || next.hasPrefix(": ")
          || next.hasPrefix("+ ") || next.hasPrefix("- ")
        {
          // An operator break ranks below a comma at the same depth.
          points.append((i + 1, parens.last, parens.count + 1))
        } else if allowAtTopLevel {
          points.append((i + 1, parens.last, parens.count))
        }
      }
      i += 1
    }
    return points
  }

  /// A `/* ... */` comment that ends the line after some code, if any.
  static func trailingComment(_ line: String) -> String? {
    guard line.hasSuffix("*/"), let start = line.range(of: " /* ", options: .backwards) else {
      return nil
    }
    let code = line[..<start.lowerBound]
    guard code.contains(where: { $0 != " " }), !code.contains("/*") else { return nil }
    return String(line[line.index(after: start.lowerBound)...])
  }
}

extension String {
  var trimmingTrailingSpaces: String {
    var copy = self
    while copy.hasSuffix(" ") { copy.removeLast() }
    return copy
  }
}
