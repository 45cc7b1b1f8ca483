// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "bidensec",
  products: [
    .executable(name: "bidensec", targets: ["bidensec"]),
    .library(name: "BiDense", targets: ["BiDense"]),
  ],
  targets: [
    // The C kernel templates, rendered by Codegen; shipped as resources of their own target.
    .target(
      name: "BiDenseTemplates",
      path: "Templates",
      resources: [.copy("C")]
    ),
    .target(
      name: "BiDense",
      dependencies: ["BiDenseTemplates"],
      path: "Sources/BiDense"
    ),
    .executableTarget(
      name: "bidensec",
      dependencies: ["BiDense"],
      path: "Sources/bidensec"
    ),
    .testTarget(
      name: "BiDenseTests",
      dependencies: ["BiDense"],
      path: "Tests/BiDenseTests"
    ),
  ]
)
