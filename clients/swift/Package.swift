// swift-tools-version:5.9
// Parley client stubs for iOS/macOS: SwiftProtobuf messages and grpc-swift
// (1.x, async/await) clients generated from ../../protos by `make gen`
// (codegen/buf.gen.swift.yaml) into Sources/ParleyProto. Generated files are
// not committed; run the generator where protoc-gen-swift and
// protoc-gen-grpc-swift are installed (e.g. `brew install swift-protobuf grpc-swift`).
import PackageDescription

let package = Package(
    name: "ParleyProto",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "ParleyProto", targets: ["ParleyProto"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.28.0"),
        .package(url: "https://github.com/grpc/grpc-swift.git", from: "1.24.0"),
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
