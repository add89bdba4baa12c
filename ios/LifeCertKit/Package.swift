// swift-tools-version:5.9
import PackageDescription

// Everything of the iOS app but its SwiftUI views (those are in ../LifeCert,
// the app target, and are compiled by Xcode only):
//   LifeCertCore   uniffi's generated Swift, one file per crate (copied in, not checked in)
//   LifeCertModel  the view model: the core, its views and words, taps; speech,
//                  camera and network behind protocols (portable: built and
//                  tested on Linux too); the recorded-clip camera in DEBUG builds
//   LifeCertPhone  the iOS side of those protocols and the core's: speech,
//                  camera, network monitor, Keychain, App Attest (#if os(iOS))
//
// The C side of the generated code is the clang modules LifeCertDomainFFI,
// LifeCertLivenessFFI, LifeCertAppFFI (and LifeCertTestingFFI in test
// builds), declared by the one module.modulemap scripts/bindings.sh writes:
// - Apple: inside LifeCertCoreFFI.xcframework with the static library
//   (../build-xcframework.sh makes both).
// - Linux: a system-library target over the same headers and modulemap copied
//   into Sources/LifeCertCoreFFI, linking the host-built liblifecert.so from
//   $LIFECERT_LIB_DIR (scripts/swift.sh does all of it and runs `swift test`).
#if os(Linux)
import Foundation

let libDir = ProcessInfo.processInfo.environment["LIFECERT_LIB_DIR"] ?? "../../target/debug"
let ffi: Target = .systemLibrary(name: "LifeCertCoreFFI", path: "Sources/LifeCertCoreFFI")
let coreLinking: [LinkerSetting] = [
    .linkedLibrary("lifecert"),
    .unsafeFlags(["-L\(libDir)", "-Xlinker", "-rpath", "-Xlinker", libDir]),
]
#else
let ffi: Target = .binaryTarget(name: "LifeCertCoreFFI", path: "LifeCertCoreFFI.xcframework")
let coreLinking: [LinkerSetting] = []
#endif

let package = Package(
    name: "LifeCertKit",
    platforms: [.iOS(.v16), .macOS(.v13)],
    products: [
        .library(name: "LifeCertKit", targets: ["LifeCertCore", "LifeCertModel", "LifeCertPhone"]),
    ],
    targets: [
        ffi,
        .target(name: "LifeCertCore", dependencies: ["LifeCertCoreFFI"], path: "Sources/LifeCertCore",
                linkerSettings: coreLinking),
        .target(name: "LifeCertModel", dependencies: ["LifeCertCore"], path: "Sources/LifeCertModel"),
        .target(name: "LifeCertPhone", dependencies: ["LifeCertCore", "LifeCertModel"], path: "Sources/LifeCertPhone"),
        .testTarget(name: "LifeCertModelTests", dependencies: ["LifeCertCore", "LifeCertModel"],
                    path: "Tests/LifeCertModelTests"),
    ]
)
