// swift-tools-version:5.9
import PackageDescription

// The core as the Swift module `LifeCertCore`: uniffi's generated
// LifeCertCore.swift over the Rust static library, wrapped as the clang module
// `LifeCertCoreFFI` in an XCFramework. ../build-xcframework.sh produces both;
// neither is checked in.
let package = Package(
    name: "LifeCertCore",
    platforms: [.iOS(.v16)],
    products: [
        .library(name: "LifeCertCore", targets: ["LifeCertCore"]),
    ],
    targets: [
        .binaryTarget(name: "LifeCertCoreFFI", path: "LifeCertCoreFFI.xcframework"),
        .target(name: "LifeCertCore", dependencies: ["LifeCertCoreFFI"], path: "Sources/LifeCertCore"),
    ]
)
