/// An error in the user's input or in what the user asked for: it names the file, the node and
/// the offending value, so that one line tells the user what to fix.
public struct BiDenseError: Error, CustomStringConvertible, Equatable, Sendable {
  public var file: String?
  public var node: String?
  public var message: String

  public init(file: String? = nil, node: String? = nil, _ message: String) {
    self.file = file
    self.node = node
    self.message = message
  }

  public var description: String {
    var parts: [String] = []
    if let file { parts.append(file) }
    if let node { parts.append("node '\(printable(node))'") }
    parts.append(message)
    return parts.joined(separator: ": ")
  }

  /// The same error with the file filled in where the thrower did not know it.
  public func inFile(_ path: String) -> BiDenseError {
    var copy = self
    if copy.file == nil { copy.file = path }
    return copy
  }

  /// The same error with the node filled in where the thrower did not know it.
  public func atNode(_ name: String) -> BiDenseError {
    var copy = self
    if copy.node == nil { copy.node = name }
    return copy
  }
}

/// A name from a model file, shown in a message: control characters escaped, long names cut.
public func printable(_ name: String) -> String {
  var out = ""
  for scalar in name.unicodeScalars.prefix(120) {
    if scalar.value < 0x20 || scalar.value == 0x7F {
      out += "\\u{\(String(scalar.value, radix: 16))}"
    } else {
      out.unicodeScalars.append(scalar)
    }
  }
  if name.unicodeScalars.count > 120 { out += "..." }
  return out
}

/// Runs `body`, attaching `path` to any `BiDenseError` that escapes it.
package func inFile<T>(_ path: String, _ body: () throws -> T) throws -> T {
  do {
    return try body()
  } catch let error as BiDenseError {
    throw error.inFile(path)
  }
}

/// "1 fused node", "3 fused nodes": a count with its noun in the right number (`plural` for
/// the nouns that do not just add an s).
public func plural(_ count: Int, _ noun: String, _ plural: String? = nil) -> String {
  "\(count) " + (count == 1 ? noun : plural ?? noun + "s")
}
