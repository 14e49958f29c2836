import Foundation

/// Finds `bpe_simple_vocab_16e6.txt.gz`: `$CROWDCLIP_VOCAB`, then a `Weights/` folder found by walking up
/// from the executable and from the working directory, then the source checkout this library was built from.
enum VocabularyLocator {
    static let fileName = "bpe_simple_vocab_16e6.txt.gz"

    static func find() throws -> String {
        var looked: [String] = []
        if let env = ProcessInfo.processInfo.environment["CROWDCLIP_VOCAB"], !env.isEmpty {
            if FileManager.default.fileExists(atPath: env) { return env }
            looked.append("$CROWDCLIP_VOCAB=\(env)")
        }
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        for start in [executableDirectory(), URL(fileURLWithPath: FileManager.default.currentDirectoryPath), source] {
            if let found = ResourceSearch.walkUp(from: start, relative: "Weights/\(fileName)") { return found }
            looked.append("Weights/ above \(start.path)")
        }
        throw TokenizerError.vocabularyNotFound(looked)
    }

    static func executableDirectory() -> URL {
        URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
    }
}

/// Looks for `relative` in `start` and each of its parents.
public enum ResourceSearch {
    public static func walkUp(from start: URL, relative: String) -> String? {
        var dir = start.standardizedFileURL
        for _ in 0..<12 {
            let candidate = dir.appendingPathComponent(relative).path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            let parent = dir.deletingLastPathComponent()
            if parent.path == dir.path { break }
            dir = parent
        }
        return nil
    }
}
