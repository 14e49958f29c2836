import Foundation

/// A plain list: `path [count]` per line, paths relative to the list file; `#` starts a comment.
enum ListFile: DatasetLayout {
    static let splits = ["all"]

    static func imagePaths(root: String, split: String) throws -> [String] {
        try samples(root: root, split: split, fold: nil).map(\.imagePath)
    }

    /// `root` is the list file itself.
    static func samples(root path: String, split: String, fold: Int?) throws -> [DatasetSample] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw DatasetError.missing(path: path, detail: "cannot read the list") }
        let dir = (path as NSString).deletingLastPathComponent
        return try text.split(whereSeparator: \.isNewline).enumerated().compactMap { n, raw in
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#") else { return nil }
            var parts = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            var count: Double?
            if parts.count >= 2, let c = Double(parts.last!) { count = c; parts.removeLast() }
            else if parts.count >= 2 { throw DatasetError.badAnnotation(file: path, reason: "line \(n + 1): \"\(parts.last!)\" is not a count") }
            let file = parts.joined(separator: " ")
            return DatasetSample(imagePath: file.hasPrefix("/") ? file : DatasetReader.join(dir, file), groundTruth: count)
        }
    }
}
