import Foundation

/// Looks for `relative` in `start` and each of its parents.
enum ResourceSearch {
    /// The first `start/relative`, `start/../relative`, … that exists (at most 12 levels up), or nil.
    static func walkUp(from start: URL, relative: String) -> String? {
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
