import BiDenseIR

/// A value a template can use: a number the generator knows, a size with a name in the C,
/// verbatim C text, a flag, or a fragment of template rendered where it is used.
enum TemplateValue: ExpressibleByIntegerLiteral, ExpressibleByStringLiteral,
  ExpressibleByBooleanLiteral
{
  case int(Int)
  /// A size the C refers to by name (`IN_WIDTH`), declared in an `enum` of the function that
  /// uses it. 0 and 1 fold like numbers, so no `* 1` appears.
  case named(String, Int)
  /// C text, inserted as it is (a symbol, a snippet).
  case text(String)
  case bool(Bool)
  /// Template text rendered in the surrounding bindings, so that it can use the loop
  /// variables of the place it is inserted (an epilogue inside a loop over `o`).
  case fragment(String)
  /// A fragment rendered with these values added to the surrounding ones: one part of a
  /// function that repeats a piece with other numbers (a concatenation's inputs).
  case scoped(String, [String: TemplateValue])

  init(integerLiteral value: Int) { self = .int(value) }
  init(stringLiteral value: String) { self = .text(value) }
  init(booleanLiteral value: Bool) { self = .bool(value) }
}

/// An integer expression with what the generator knows folded in: a constant plus terms
/// `coefficient · atom`, where an atom is a C variable, a named size or a product or quotient
/// the generator cannot fold. Renders as a person would write it: `oy * 2 + i`, never `* 1`,
/// `+ 0` or `0 *`.
struct Linear: Equatable {
  var constant = 0
  /// Atoms in the order they first appeared, with their coefficients.
  var terms: [(atom: String, coefficient: Int)] = []

  static func == (a: Linear, b: Linear) -> Bool {
    a.constant == b.constant && a.terms.elementsEqual(b.terms) { $0 == $1 }
  }

  init(_ constant: Int) { self.constant = constant }

  init(atom: String) { terms = [(atom, 1)] }

  var known: Int? { terms.isEmpty ? constant : nil }

  /// A single atom with coefficient 1 and no constant: needs no parentheses as a factor.
  var isAtom: Bool { constant == 0 && terms.count == 1 && terms[0].coefficient == 1 }

  static func + (a: Linear, b: Linear) -> Linear {
    var result = a
    result.constant += b.constant
    for (atom, coefficient) in b.terms {
      if let i = result.terms.firstIndex(where: { $0.atom == atom }) {
        result.terms[i].coefficient += coefficient
      } else {
        result.terms.append((atom, coefficient))
      }
    }
    result.terms.removeAll { $0.coefficient == 0 }
    return result
  }

  static prefix func - (a: Linear) -> Linear { a.scaled(-1) }

  static func - (a: Linear, b: Linear) -> Linear { a + (-b) }

  func scaled(_ k: Int) -> Linear {
    guard k != 0 else { return Linear(0) }
    var result = self
    result.constant *= k
    for i in result.terms.indices { result.terms[i].coefficient *= k }
    return result
  }

  static func * (a: Linear, b: Linear) -> Linear {
    if let k = b.known { return a.scaled(k) }
    if let k = a.known { return b.scaled(k) }
    return Linear(atom: "\(a.factor) * \(b.factor)")
  }

  /// C's integer division (truncating), folded where the generator knows the result.
  func divided(by b: Linear) -> Linear {
    if let k = b.known, k != 0 {
      if k == 1 { return self }
      if let n = known { return Linear(n / k) }
      // Every part a multiple of k: the quotient is exact whatever the variables are.
      if constant % k == 0 && terms.allSatisfy({ $0.coefficient % k == 0 }) {
        var result = self
        result.constant /= k
        for i in result.terms.indices { result.terms[i].coefficient /= k }
        return result
      }
    }
    return Linear(atom: "\(factor) / \(b.factor)")
  }

  /// C's remainder, folded where the generator knows the result.
  func remainder(by b: Linear) -> Linear {
    if let k = b.known, k != 0 {
      if k == 1 { return Linear(0) }
      if let n = known { return Linear(n % k) }
      if constant % k == 0 && terms.allSatisfy({ $0.coefficient % k == 0 }) { return Linear(0) }
    }
    return Linear(atom: "\(factor) % \(b.factor)")
  }

  /// The expression as an operand of `*`, `/` or `%`: parenthesised unless a single atom or
  /// a non-negative number.
  var factor: String {
    if known.map({ $0 >= 0 }) ?? false { return rendered }
    // A lone variable or name stands as it is; a product or quotient gets parentheses, so
    // that `x * (a / b)` keeps its meaning.
    if isAtom && !terms[0].atom.contains(" ") { return rendered }
    return "(\(rendered))"
  }

  var rendered: String {
    var out = ""
    for (atom, coefficient) in terms {
      let magnitude = abs(coefficient)
      let unit = atom.contains(" ") ? "(\(atom))" : atom
      let term = magnitude == 1 ? atom : "\(unit) * \(magnitude)"
      if out.isEmpty {
        out = coefficient < 0 ? "-" + term : term
      } else {
        out += coefficient < 0 ? " - " + term : " + " + term
      }
    }
    if out.isEmpty { return "\(constant)" }
    // `12 - q0` reads better than `-q0 + 12`.
    if constant > 0 && out.hasPrefix("-") { return "\(constant) " + "- " + out.dropFirst() }
    if constant > 0 { out += " + \(constant)" }
    if constant < 0 { out += " - \(-constant)" }
    return out
  }
}

/// The expression inside a template tag: integers, names of template values, `$name` for a C
/// variable, `+ - * / %`, comparisons, `&& || !` and parentheses, with C's precedence.
indirect enum TemplateExpression {
  case number(Int)
  case value(String)
  case variable(String)
  case unary(String, TemplateExpression)
  case binary(String, TemplateExpression, TemplateExpression)

  /// Parses `text`; a malformed expression is a template bug, reported with the template.
  static func parse(_ text: Substring, template: String) throws -> TemplateExpression {
    var parser = Parser(text: Array(text), template: template)
    let expression = try parser.parse(precedence: 0)
    parser.skipSpaces()
    guard parser.position == parser.text.count else {
      throw parser.error("unexpected '\(String(parser.text[parser.position...]))'")
    }
    return expression
  }

  private struct Parser {
    let text: [Character]
    let template: String
    var position = 0

    static let precedence: [String: Int] = [
      "||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, "<=": 4, ">": 4, ">=": 4, "+": 5, "-": 5,
      "*": 6, "/": 6, "%": 6,
    ]

    func error(_ message: String) -> BiDenseError {
      BiDenseError("template '\(template)': expression '\(String(text))': \(message)")
    }

    mutating func skipSpaces() {
      while position < text.count && text[position] == " " { position += 1 }
    }

    mutating func nextOperator() -> String? {
      skipSpaces()
      guard position < text.count else { return nil }
      let two = position + 1 < text.count ? String(text[position...(position + 1)]) : ""
      if Self.precedence[two] != nil { return two }
      let one = String(text[position])
      return Self.precedence[one] != nil ? one : nil
    }

    mutating func parse(precedence minimum: Int) throws -> TemplateExpression {
      var left = try primary()
      while let op = nextOperator(), let p = Self.precedence[op], p > minimum {
        position += op.count
        left = .binary(op, left, try parse(precedence: p))
      }
      return left
    }

    mutating func primary() throws -> TemplateExpression {
      skipSpaces()
      guard position < text.count else { throw error("ends early") }
      let c = text[position]
      if c == "(" {
        position += 1
        let inner = try parse(precedence: 0)
        skipSpaces()
        guard position < text.count, text[position] == ")" else { throw error("no ')'") }
        position += 1
        return inner
      }
      if c == "-" || c == "!" {
        position += 1
        return .unary(String(c), try primary())
      }
      if c.isNumber {
        var digits = ""
        while position < text.count, text[position].isNumber {
          digits.append(text[position])
          position += 1
        }
        guard let n = Int(digits) else { throw error("number \(digits) out of range") }
        return .number(n)
      }
      let isVariable = c == "$"
      if isVariable { position += 1 }
      var name = ""
      while position < text.count,
        text[position].isLetter || text[position].isNumber || text[position] == "_"
      {
        name.append(text[position])
        position += 1
      }
      guard !name.isEmpty else { throw error("unexpected '\(c)'") }
      return isVariable ? .variable(name) : .value(name)
    }
  }
}
