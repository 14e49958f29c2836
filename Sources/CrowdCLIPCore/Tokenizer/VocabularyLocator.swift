import Foundation

/// Finds `bpe_simple_vocab_16e6.txt.gz`, which ships as a SwiftPM resource of CrowdCLIPCore.
///
/// Order: `$CROWDCLIP_VOCAB`; the resource bundle next to the running executable (every SwiftPM build folder,
/// also a dependent package's); `../share/crowdclip/` beside it (`make install`); the main bundle's resources
/// (apps). The generated `Bundle.module` is never called: on Linux it stops the process when the bundle is
/// neither next to the executable nor at the build path baked in, and a library must not do that.
enum VocabularyLocator {
    static let fileName = "bpe_simple_vocab_16e6.txt.gz"
    /// SwiftPM names the bundle `<package>_<target>`; the package part differs when this is a dependency.
    static let bundleSuffix = "_CrowdCLIPCore"

    static func find() throws -> String {
        var looked: [String] = []
        if let env = ProcessInfo.processInfo.environment["CROWDCLIP_VOCAB"], !env.isEmpty {
            if FileManager.default.fileExists(atPath: env) { return env }
            looked.append("$CROWDCLIP_VOCAB=\(env)")
        }
        for dir in searchDirectories() {
            if let found = vocabulary(inBundlesUnder: dir) { return found }
            looked.append(dir.path)
        }
        throw TokenizerError.vocabularyNotFound(searched: looked)
    }

    /// Folders that may hold the resource bundle, most specific first, without repeats.
    static func searchDirectories() -> [URL] {
        var dirs: [URL] = []
        for exe in executableDirectories() {
            dirs.append(exe)
            dirs.append(exe.deletingLastPathComponent().appendingPathComponent("share/crowdclip"))
        }
        if let resources = Bundle.main.resourceURL { dirs.append(resources) }
        var seen = Set<String>()
        return dirs.map(\.standardizedFileURL).filter { seen.insert($0.path).inserted }
    }

    /// The running executable's folder, through symbolic links and as invoked (argv[0] may be a bare name
    /// found on PATH, so the kernel's answer comes first).
    static func executableDirectories() -> [URL] {
        var exes: [URL] = []
        #if os(Linux)
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            exes.append(URL(fileURLWithPath: path))
        }
        #endif
        if let url = Bundle.main.executableURL { exes.append(url.resolvingSymlinksInPath()) }
        if let arg = CommandLine.arguments.first, arg.contains("/") {
            let url = URL(fileURLWithPath: arg)
            exes.append(url.resolvingSymlinksInPath())
            exes.append(url)
        }
        return exes.map { $0.deletingLastPathComponent() }
    }

    /// The vocabulary inside a `*_CrowdCLIPCore.resources` (Linux) or `.bundle` (Apple platforms) in `dir`.
    static func vocabulary(inBundlesUnder dir: URL) -> String? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return nil }
        let bundles = names.filter {
            $0.hasSuffix(bundleSuffix + ".resources") || $0.hasSuffix(bundleSuffix + ".bundle")
        }.sorted { a, b in a.hasPrefix("CrowdCLIP_") && !b.hasPrefix("CrowdCLIP_") }
        for bundle in bundles {
            let root = dir.appendingPathComponent(bundle)
            for inside in [fileName, "Contents/Resources/\(fileName)"] {
                let candidate = root.appendingPathComponent(inside).path
                if FileManager.default.fileExists(atPath: candidate) { return candidate }
            }
        }
        return nil
    }
}
