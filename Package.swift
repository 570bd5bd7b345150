// swift-tools-version:6.1
// Lantern: a CRM core that hosts sandboxed Lua 5.4 plugins per customer company.
// The layers below follow ../shared/design.md: each target imports only the ones beneath it.
import PackageDescription

let package = Package(
    name: "Lantern",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "lantern", targets: ["lantern"]),
        .library(name: "CRMCore", targets: ["CRMCore"]),
        .library(name: "CRMStore", targets: ["CRMStore"]),
        .library(name: "LuaRuntime", targets: ["LuaRuntime"]),
        .library(name: "PluginHost", targets: ["PluginHost"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // Debian's liblua5.4-dev, found through pkg-config.
        .systemLibrary(
            name: "CLua",
            pkgConfig: "lua5.4",
            providers: [.apt(["liblua5.4-dev"])]
        ),
        // The small C layer between Swift and Lua: protected calls, limits, the sandbox's C functions.
        .target(name: "CLuaShim", dependencies: ["CLua"]),
        .target(name: "LuaRuntime", dependencies: ["CLua", "CLuaShim"]),
        .target(
            name: "CRMCore",
            dependencies: [.product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "CRMStore",
            dependencies: [
                "CRMCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Manifests, loading, hooks, the `crm` Lua API, the ledger, hot reload.
        .target(
            name: "PluginHost",
            dependencies: [
                "CRMCore", "LuaRuntime",
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "lantern",
            dependencies: [
                "CRMCore", "CRMStore", "LuaRuntime", "PluginHost",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "LuaRuntimeTests", dependencies: ["LuaRuntime"]),
        .testTarget(name: "CRMCoreTests", dependencies: ["CRMCore", "CRMStore"]),
        .testTarget(name: "PluginHostTests", dependencies: ["PluginHost", "CRMCore", "CRMStore", "LuaRuntime"]),
        .testTarget(name: "LanternCLITests", dependencies: ["lantern", "CRMCore", "CRMStore"]),
    ],
    swiftLanguageModes: [.v6]
)
