// swift-tools-version:6.1
// Lantern: a CRM core that hosts sandboxed Lua 5.4 plugins per customer company.
// The layers below follow ../shared/design.md: each target imports only the ones beneath it.
import PackageDescription

// Release builds of the runtime layers let other modules specialize their generics: the plugin
// host walks Lua tables with a visitor from LuaRuntime, which otherwise ran unspecialized (looking
// type metadata up at run time) on every `crm.schedule` (README, Performance, sixth pass).
let crossModule: [SwiftSetting] = [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]

let package = Package(
    name: "Lantern",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "lantern", targets: ["lantern"]),
        .library(name: "CRMCore", targets: ["CRMCore"]),
        .library(name: "CRMStore", targets: ["CRMStore"]),
        .library(name: "LuaRuntime", targets: ["LuaRuntime"]),
        .library(name: "PluginHost", targets: ["PluginHost"]),
        .library(name: "CustomerImport", targets: ["CustomerImport"]),
        .library(name: "LanternServer", targets: ["LanternServer"]),
        .library(name: "LanternBench", targets: ["LanternBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/CoreOffice/XMLCoder", from: "0.18.2"),
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
        .target(name: "LuaRuntime", dependencies: ["CLua", "CLuaShim"], swiftSettings: crossModule),
        .target(
            name: "CRMCore",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            swiftSettings: crossModule
        ),
        .target(
            name: "CRMStore",
            dependencies: [
                "CRMCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's C API, for the few hot statements stepped without GRDB's argument boxing.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
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
        // Customer upload from CSV and .xlsx with the seed CRMs' rules (CLI and API share it).
        .target(
            name: "CustomerImport",
            dependencies: [
                "CRMCore",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "XMLCoder", package: "XMLCoder"),
            ]
        ),
        // The HTTP JSON API (`lantern serve`): tenants' runtimes, routes, errors.
        .target(
            name: "LanternServer",
            dependencies: [
                "CRMCore", "CRMStore", "PluginHost", "CustomerImport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // `lantern bench`: speed and memory against their floors, measured in the same run.
        .target(
            name: "LanternBench",
            dependencies: [
                "CRMCore", "CRMStore", "CLuaShim", "LuaRuntime", "PluginHost", "CustomerImport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .executableTarget(
            name: "lantern",
            dependencies: [
                "CRMCore", "CRMStore", "LuaRuntime", "PluginHost", "CustomerImport", "LanternServer", "LanternBench",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "LuaRuntimeTests", dependencies: ["LuaRuntime"]),
        .testTarget(name: "CRMCoreTests", dependencies: ["CRMCore", "CRMStore", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "PluginHostTests", dependencies: ["PluginHost", "CRMCore", "CRMStore", "LuaRuntime"]),
        .testTarget(name: "CustomerImportTests", dependencies: ["CustomerImport", "CRMCore", "CRMStore", "PluginHost",
                                                                 .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        .testTarget(name: "LanternServerTests", dependencies: ["LanternServer", "CRMCore", "CRMStore", "PluginHost",
                                                                .product(name: "Hummingbird", package: "hummingbird"),
                                                                .product(name: "HummingbirdTesting", package: "hummingbird")]),
        .testTarget(name: "LanternBenchTests", dependencies: ["LanternBench", "PluginHost", "LuaRuntime", "CRMCore"]),
        .testTarget(name: "LanternCLITests", dependencies: ["lantern", "CRMCore", "CRMStore"]),
    ],
    swiftLanguageModes: [.v6]
)
