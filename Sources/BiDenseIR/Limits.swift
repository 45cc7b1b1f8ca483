/// The work one model may ask of the compiler. A model file is untrusted input: without a cap,
/// a shape of 10^6 × 10^6 or a stack of a million blocks would make the compiler allocate
/// until the machine gives up, or run the reference interpreter for hours. Every tensor the
/// graph builder infers (and every model input and parameter) is checked against these limits
/// before anything is allocated for it; an error names the node, the shape and the limit, and
/// says which option raises it.
///
/// The defaults sit well above the largest model bidensec is meant for, the paper's UperNet
/// (ConvNeXt-tiny, features 256) at 416×544: its largest tensor holds 29 M elements (128
/// channels at full resolution, 1×128×416×544, before the head), its workspace peaks at 174 MB
/// and it lowers to 434 primitive ops. 2^27 elements (134 M, 512 MB as float32), 2 GiB of
/// workspace and 2^16 ops leave 4.6, 12 and 150 times that headroom, while bounding what a
/// hostile file can cost to seconds and a few gigabytes.
public struct WorkLimits: Sendable, Equatable {
  /// Elements of any one tensor: an activation, a model input or a parameter.
  /// `--max-tensor-elements` raises it.
  public var maxTensorElements: Int
  /// Bytes of the planned workspace (the activations live at one time plus scratch). The
  /// pipeline checks it after memory planning; `--max-workspace-bytes` raises it.
  public var maxWorkspaceBytes: Int
  /// Primitive ops in one graph.
  public var maxNodes: Int

  public init(
    maxTensorElements: Int = 1 << 27, maxWorkspaceBytes: Int = 1 << 31, maxNodes: Int = 1 << 16
  ) {
    self.maxTensorElements = maxTensorElements
    self.maxWorkspaceBytes = maxWorkspaceBytes
    self.maxNodes = maxNodes
  }

  public static let `default` = WorkLimits()

  /// The largest value an option may set a limit to. The generated C indexes a tensor's
  /// elements (and a kernel's scratch bytes) with `int`, so a tensor stays below 2^30
  /// elements; 2^44 bytes of workspace keep its offsets far from Int's range.
  public static let maxTensorElementsCeiling = 1 << 30
  public static let maxWorkspaceBytesCeiling = 1 << 44

  /// Checks the element count of a tensor of `shape` for `node`; `what` says which tensor
  /// ("output", "input", "parameter 'conv.weight'").
  public func checkTensor(_ shape: [Int], node: String, what: String = "output") throws {
    guard shape.allSatisfy({ $0 >= 0 }) else {
      throw BiDenseError(node: node, "\(what) shape \(shape) has a negative dimension")
    }
    guard let count = Checked.product(shape), count <= maxTensorElements else {
      let count = Checked.product(shape).map(String.init) ?? "more than 2^63"
      throw BiDenseError(
        node: node,
        "\(what) shape \(shape) has \(count) elements, over the limit of \(maxTensorElements) "
          + "(--max-tensor-elements raises it)")
    }
  }
}

/// Bounds on single attribute values that the module table checks: generous for any real
/// network, and small enough that sums and products of a few of them never overflow.
public enum Limits {
  /// Channels of a module's input or output: 32 times ConvNeXt-XL's widest stage.
  public static let maxChannels = 1 << 16
  /// A spatial size, kernel, stride, padding, dilation, scale or bin count.
  public static let maxExtent = 1 << 20
}

/// Integer arithmetic on sizes that come from a model file: nil where the exact result does
/// not fit in an Int, instead of a trap.
public enum Checked {
  public static func multiply(_ a: Int, _ b: Int) -> Int? {
    let (value, overflow) = a.multipliedReportingOverflow(by: b)
    return overflow ? nil : value
  }

  public static func add(_ a: Int, _ b: Int) -> Int? {
    let (value, overflow) = a.addingReportingOverflow(b)
    return overflow ? nil : value
  }

  public static func subtract(_ a: Int, _ b: Int) -> Int? {
    let (value, overflow) = a.subtractingReportingOverflow(b)
    return overflow ? nil : value
  }

  /// The product of `values` (1 for none), or nil on overflow.
  public static func product(_ values: [Int]) -> Int? {
    var total = 1
    for v in values {
      guard let next = multiply(total, v) else { return nil }
      total = next
    }
    return total
  }

  /// The sum of `values`, or nil on overflow.
  public static func sum(_ values: [Int]) -> Int? {
    var total = 0
    for v in values {
      guard let next = add(total, v) else { return nil }
      total = next
    }
    return total
  }
}
