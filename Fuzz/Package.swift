// swift-tools-version:6.0
// libFuzzer targets, one per parser. A package of its own so the main package's `swift build` and `make test`
// never build them; `make fuzz` builds them with `-sanitize=fuzzer,address` (see Docs/reliability.md).
import Foundation
import PackageDescription

/// SwiftPM names a path dependency after its folder: the checkout's name, whatever it is.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
let core = Target.Dependency.product(name: "CrowdCLIPCore", package: root.lastPathComponent)

let parsers = ["jpeg", "png", "safetensors", "torch", "pickle", "zip", "mat", "npy", "hfconfig", "lists", "tokenizer"]

let package = Package(
    name: "CrowdCLIPFuzz",
    dependencies: [.package(path: "..")],
    targets: [
        .target(name: "FuzzSupport", dependencies: [core], path: "Sources/FuzzSupport"),
    ] + parsers.map { name in
        .executableTarget(
            name: "fuzz-\(name)",
            dependencies: [core, "FuzzSupport"],
            path: "Sources/fuzz-\(name)",
            // libFuzzer supplies `main`; the entry point is LLVMFuzzerTestOneInput.
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        )
    },
    swiftLanguageModes: [.v6]
)
