import BiDenseIR

/// Names of the primitive nodes made from an ONNX graph, so that inspect and verify's per-node
/// table read like the model-spec route's: module paths (`backbone.stages.0.0.dwconv`) with a
/// role (`/binarizer`, `/bypass`, `.norm`). The module path of a node comes from, in order:
/// - the dynamo exporter's metadata (`pkg.torch.onnx.name_scopes`), when it was kept;
/// - the TorchScript exporter's node name, which is the module path (`/conv/binarizer/Mul`);
/// - for a binary layer, the names of the DAB's raw parameters (`P.binarizer.k` names P),
///   which survive in every export;
/// - otherwise the ONNX node's own name (`node_cat_3` becomes `cat_3`).
enum ModuleNames {
  /// A primitive node for `role` in the module at `path` (ModuleBuilder's convention).
  static func node(_ path: String, _ role: String) -> String {
    path.isEmpty ? role : "\(path)/\(role)"
  }

  /// A child module's path.
  static func child(_ path: String, _ attribute: String) -> String {
    path.isEmpty ? attribute : "\(path).\(attribute)"
  }

  /// `path` without a last component that is one of `leaves` (`conv.norm` → `conv`,
  /// `norm` → ``).
  static func parent(_ path: String, dropping leaves: [String]) -> String {
    for leaf in leaves {
      if path == leaf { return "" }
      if path.hasSuffix("." + leaf) { return String(path.dropLast(leaf.count + 1)) }
    }
    return path
  }

  /// A module path's parent and last component (`blocks.0.norm1` → (`blocks.0`, `norm1`)).
  static func split(_ path: String) -> (parent: String, leaf: String) {
    guard let dot = path.lastIndex(of: ".") else { return ("", path) }
    return (String(path[..<dot]), String(path[path.index(after: dot)...]))
  }

  /// The module path and op of a TorchScript node name (`/FPN/Concat_1` → (`FPN`, `Concat_1`)).
  static func torchScriptPath(_ name: String) -> (module: String, op: String)? {
    guard name.hasPrefix("/") else { return nil }
    let parts = name.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
    guard let op = parts.last, !op.isEmpty, parts.allSatisfy({ !$0.isEmpty }) else { return nil }
    return (parts.dropLast().joined(separator: "."), String(op))
  }
}

extension ONNXImporter {
  /// The module path of node `i`, when the export recorded it.
  func modulePath(_ i: Int) -> String? {
    let node = nodes[i]
    if let scope = node.moduleScope { return scope }
    return ModuleNames.torchScriptPath(node.name)?.module
  }

  /// The primitive node name for ONNX node `i` lowered on its own.
  func nodeName(_ i: Int) -> String {
    let node = nodes[i]
    if let scope = node.moduleScope, let op = node.scopedOpName, !op.isEmpty {
      return ModuleNames.node(scope, op)
    }
    if let (module, op) = ModuleNames.torchScriptPath(node.name) {
      return ModuleNames.node(module, op)
    }
    if node.name.hasPrefix("node_"), node.name.count > 5 { return String(node.name.dropFirst(5)) }
    if !node.name.isEmpty { return node.name }
    return node.outputs.first ?? node.opType
  }

  /// The module path of the binary layer whose convolution is node `conv` and whose DAB reads
  /// the parameters `parameters`: the BiDenseConv2d (or its transpose) itself, so that its
  /// primitive nodes are named as a model spec names them (`P/binarizer`, `P.conv`, `P.norm`).
  func layerPath(conv: Int, parameters: [String]) -> String {
    // A folded convolution carries its BatchNorm's scope, a computed one its conv's.
    let leaves = ["norm", "conv", "conv_transpose"]
    if let path = modulePath(conv) { return ModuleNames.parent(path, dropping: leaves) }
    for name in parameters {
      for suffix in [".binarizer.k", ".binarizer.b", ".binarizer.alpha"]
      where name.hasSuffix(suffix) {
        return String(name.dropLast(suffix.count))
      }
      if ["binarizer.k", "binarizer.b", "binarizer.alpha"].contains(name) { return "" }
    }
    return nodeName(conv)
  }
}
