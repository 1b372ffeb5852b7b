// swift-tools-version:6.1
// Parley client stubs for iOS 18 / macOS 15 and later on gRPC Swift 2:
// SwiftProtobuf messages and GRPCCore clients, generated from ../../protos by
// `make gen` (codegen/buf.gen.swift.yaml, protoc-gen-swift and
// protoc-gen-grpc-swift-2) into Sources/ParleyProto. Generated files are not
// committed. For iOS 15-17 on gRPC Swift 1.x use grpc-swift-1/Package.swift;
// README.md says why there are two. The versions below are the plugins' (the
// generated code needs a runtime at least as new as its plugin), checked by
// tests/codegen/test_client_versions.py.
import PackageDescription

let package = Package(
    name: "ParleyProto",
    platforms: [.iOS(.v18), .macOS(.v15), .tvOS(.v18), .watchOS(.v11), .visionOS(.v2)],
    products: [
        .library(name: "ParleyProto", targets: ["ParleyProto"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.38.1"),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
    ],
    targets: [
        .target(
            name: "ParleyProto",
            dependencies: [
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
            ],
            path: "Sources/ParleyProto"
        ),
    ]
)
