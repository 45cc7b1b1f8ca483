// swift-tools-version:6.0
import PackageDescription

// The compiler's stages are targets of their own, so a dependency that runs the wrong way
// (the IR reaching for C, the passes for the interpreter) fails to compile:
//
//   BiDenseIR <- BiDenseFrontend, BiDenseReference, BiDensePasses
//   BiDensePasses <- BiDenseCodegen <- BiDenseDriver <- BiDenseCLI <- bidensec
let package = Package(
  name: "bidensec",
  products: [
    .executable(name: "bidensec", targets: ["bidensec"])
  ],
  targets: [
    // The graph every stage shares: ops, shapes, validation, diagnostics.
    .target(name: "BiDenseIR", path: "Sources/BiDenseIR"),
    // Readers: model specs, native graphs, safetensors, the module table and the examples.
    .target(
      name: "BiDenseFrontend", dependencies: ["BiDenseIR"], path: "Sources/BiDenseFrontend"),
    // The interpreter: the semantics every generated program is checked against.
    .target(
      name: "BiDenseReference", dependencies: ["BiDenseIR"], path: "Sources/BiDenseReference"),
    // Fusion, kernel lowering, weight packing and memory planning.
    .target(name: "BiDensePasses", dependencies: ["BiDenseIR"], path: "Sources/BiDensePasses"),
    // The C kernel templates, rendered by Codegen; shipped as resources of their own target.
    .target(name: "BiDenseTemplates", path: "Templates", resources: [.copy("C")]),
    // Rendering the lowered, packed and planned model as C text.
    .target(
      name: "BiDenseCodegen", dependencies: ["BiDenseIR", "BiDensePasses", "BiDenseTemplates"],
      path: "Sources/BiDenseCodegen"),
    // The pipeline end to end, the targets, verification and benchmarks.
    .target(
      name: "BiDenseDriver",
      dependencies: [
        "BiDenseIR", "BiDenseFrontend", "BiDenseReference", "BiDensePasses", "BiDenseCodegen",
        "BiDenseTemplates",
      ],
      path: "Sources/BiDenseDriver"),
    // The command line: argument parsing, subcommands, messages.
    .target(
      name: "BiDenseCLI",
      dependencies: ["BiDenseIR", "BiDenseFrontend", "BiDensePasses", "BiDenseDriver"],
      path: "Sources/BiDenseCLI"),
    .executableTarget(name: "bidensec", dependencies: ["BiDenseCLI"], path: "Sources/bidensec"),
    .testTarget(
      name: "BiDenseTests",
      dependencies: [
        "BiDenseIR", "BiDenseFrontend", "BiDenseReference", "BiDensePasses", "BiDenseCodegen",
        "BiDenseDriver", "BiDenseCLI",
      ],
      path: "Tests/BiDenseTests"),
  ]
)
