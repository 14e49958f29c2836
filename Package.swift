// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "CrowdCLIP",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "CrowdCLIPCore", targets: ["CrowdCLIPCore"]),
        .executable(name: "crowdclip", targets: ["crowdclip"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // `make docs` only (swift package generate-documentation); nothing links it.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", exact: "1.5.0"),
    ],
    targets: [
        // System libraries from Debian's -dev packages (see `make deps`).
        .systemLibrary(name: "CJPEG", path: "Sources/CJPEG"),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib"),
        // OpenBLAS's cblas.h only (libopenblas-dev): it types the dlopen'ed cblas_sgemm; nothing links OpenBLAS.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", providers: [.apt(["libopenblas-dev"])]),
        // oneDNN's dnnl.h only (libdnnl-dev): it types the dlopen'ed matmul API of the bf16 path; nothing links oneDNN.
        .systemLibrary(name: "CDNNL", path: "Sources/CDNNL", providers: [.apt(["libdnnl-dev"])]),
        // What must be C: setjmp-based codec error handling, cpuid, the OpenBLAS loader (dlopen'ed so the kernel
        // can be chosen before OpenBLAS's constructor runs) and the oneDNN loader (dlopen'ed so fp32 runs without it).
        .target(
            name: "CCrowdShims",
            dependencies: ["CJPEG", "CPNG", "CBLAS", "CDNNL"],
            path: "Sources/CCrowdShims",
            linkerSettings: [.linkedLibrary("dl"), .linkedLibrary("jpeg"), .linkedLibrary("png16"), .linkedLibrary("z")]
        ),
        .target(
            name: "CrowdCLIPCore",
            dependencies: ["CCrowdShims", "CJPEG", "CPNG", "CZlib"],
            path: "Sources/CrowdCLIPCore",
            // The BPE vocabulary ships with the library (found by VocabularyLocator, not Bundle.module).
            resources: [.copy("Resources/bpe_simple_vocab_16e6.txt.gz"), .copy("Resources/LICENSE-bpe-vocab.md")]
        ),
        .executableTarget(
            name: "crowdclip",
            dependencies: [
                "CrowdCLIPCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/crowdclip"
        ),
        .executableTarget(
            name: "crowdclip-bench",
            dependencies: ["CrowdCLIPCore"],
            path: "Sources/crowdclip-bench"
        ),
        .testTarget(
            name: "CrowdCLIPCoreTests",
            dependencies: ["CrowdCLIPCore", "crowdclip"],  // the CLI tests run the built executable
            path: "Tests/CrowdCLIPCoreTests"
        ),
    ],
    swiftLanguageModes: [.v6]
)
