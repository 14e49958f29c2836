import Foundation

/// Reads the published layouts of the crowd-counting datasets (see Docs/datasets.md).
public enum DatasetReader {
    /// The split names `kind` accepts.
    package static func validSplits(_ kind: DatasetKind) -> [String] {
        switch kind {
        case .shanghaitech, .qnrf: return ["train", "test"]
        case .jhu, .nwpu: return ["train", "val", "test"]
        case .ucf50, .list: return ["all"]
        }
    }

    /// - Parameters:
    ///   - kind: the dataset's layout.
    ///   - root: the dataset's top folder (for `list`, the list file).
    ///   - split: train/val/test as the dataset has them; nil means test (all for UCF_CC_50 and lists).
    ///   - fold: UCF_CC_50's usual 5-fold split: fold K holds images 10(K−1)+1 … 10K.
    public static func samples(kind: DatasetKind, root: String, split: String? = nil, fold: Int? = nil) throws -> [DatasetSample] {
        let valid = validSplits(kind)
        let split = split ?? (valid.contains("test") ? "test" : "all")
        guard valid.contains(split) else { throw DatasetError.badSplit(kind: kind, split: split, valid: valid) }
        guard fold == nil || kind == .ucf50 else { throw DatasetError.badSplit(kind: kind, split: "fold \(fold!)", valid: valid) }
        guard FileManager.default.fileExists(atPath: root) else { throw DatasetError.missing(path: root, detail: "no such file or folder") }
        switch kind {
        case .shanghaitech: return try ShanghaiTech.samples(root: root, split: split)
        case .qnrf: return try UCFQNRF.samples(root: root, split: split)
        case .ucf50: return try UCFCC50.samples(root: root, fold: fold)
        case .jhu: return try JHUCrowd.samples(root: root, split: split)
        case .nwpu: return try NWPUCrowd.samples(root: root, split: split)
        case .list: return try ListFile.samples(path: root)
        }
    }

    /// Image files of a folder in natural order.
    static func images(in dir: String, extensions: Set<String> = ["jpg", "jpeg", "png"]) throws -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else {
            throw DatasetError.missing(path: dir, detail: "folder not found")
        }
        return names.filter { extensions.contains(($0 as NSString).pathExtension.lowercased()) && !$0.hasPrefix(".") }
            .sorted(by: ImageInputs.naturalOrder).map { (dir as NSString).appendingPathComponent($0) }
    }

    /// Number of annotated points: rows of the first N×2 array found under `field` in the MAT-file.
    static func pointCount(mat path: String, field: String) throws -> Double {
        let mat: MATFile
        do { mat = try MATFile(path: path) } catch let MATFile.FormatError.invalid(file, reason) {
            throw DatasetError.badAnnotation(file: file, reason: "not a readable MAT-file: \(reason)")
        }
        let value = mat[field] ?? mat.variables.values.lazy.compactMap { $0.find(field: field) }.first
        guard let points = value, case let .numeric(shape, _) = points else {
            throw DatasetError.badAnnotation(file: path, reason: "no `\(field)` array in the MAT-file")
        }
        return Double(shape.first ?? 0)
    }

    static func join(_ a: String, _ b: String) -> String { (a as NSString).appendingPathComponent(b) }
    static func stem(_ p: String) -> String { ((p as NSString).lastPathComponent as NSString).deletingPathExtension }
}

extension DatasetReader {
    /// The split's image files without reading any annotation (training is unsupervised: a missing or damaged
    /// ground-truth file must not stop it).
    package static func imagePaths(kind: DatasetKind, root: String, split: String) throws -> [String] {
        guard FileManager.default.fileExists(atPath: root) else { throw DatasetError.missing(path: root, detail: "no such file or folder") }
        let valid = validSplits(kind)
        guard valid.contains(split) || valid == ["all"] else { throw DatasetError.badSplit(kind: kind, split: split, valid: valid) }  // a train split of a list is the list
        switch kind {
        case .shanghaitech: return try ShanghaiTech.imagePaths(root: root, split: split)
        case .qnrf: return try UCFQNRF.imagePaths(root: root, split: split)
        case .ucf50: return try UCFCC50.imagePaths(root: root)
        case .jhu: return try JHUCrowd.imagePaths(root: root, split: split)
        case .nwpu: return try NWPUCrowd.imagePaths(root: root, split: split)
        case .list: return try ListFile.samples(path: root).map(\.imagePath)
        }
    }
}
