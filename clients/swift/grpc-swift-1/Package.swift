// swift-tools-version:5.10
// Parley client stubs for iOS 15 / macOS 12 and later on gRPC Swift 1.x
// (maintenance mode): SwiftProtobuf messages and grpc-swift async/await
// clients, generated from ../../../protos by `make gen`
// (codegen/buf.gen.swift-grpc1.yaml, protoc-gen-swift and the 1.x
// protoc-gen-grpc-swift built from its release) into Sources/ParleyProto.
// Generated files are not committed. ../README.md says when to use this one;
// tests/codegen/test_client_versions.py checks the versions below.
import PackageDescription

let package = Package(
    name: "ParleyProto",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "ParleyProto", targets: ["ParleyProto"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.38.1"),
        .package(url: "https://github.com/grpc/grpc-swift.git", from: "1.26.1"),
    ],
    targets: [
        .target(
            name: "ParleyProto",
            dependencies: [
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "GRPC", package: "grpc-swift"),
            ],
            path: "Sources/ParleyProto"
        ),
    ]
)
