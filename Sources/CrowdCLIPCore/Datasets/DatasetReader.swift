import Foundation

/// Reads the published layouts of the crowd-counting datasets (see Docs/datasets.md).
public enum DatasetReader {
    /// The split names `kind` accepts.
    package static func validSplits(_ kind: DatasetKind) -> [String] { kind.layout.splits }

    /// The split a run of `kind` takes when none is given: test where the dataset has one, else all.
    package static func defaultSplit(_ kind: DatasetKind) -> String { kind.layout.defaultSplit }

    /// - Parameters:
    ///   - kind: the dataset's layout.
    ///   - root: the dataset's top folder (for `list`, the list file).
    ///   - split: train/val/test as the dataset has them; nil means test (all for UCF_CC_50 and lists).
    ///   - fold: UCF_CC_50's usual 5-fold split: fold K holds images 10(K−1)+1 … 10K.
    public static func samples(kind: DatasetKind, root: String, split: String? = nil, fold: Int? = nil) throws -> [DatasetSample] {
        let split = try checked(split ?? defaultSplit(kind), of: kind, imagesOnly: false)
        guard fold == nil || kind == .ucf50 else { throw DatasetError.badSplit(kind: kind, split: "fold \(fold!)", valid: validSplits(kind)) }
        try requireRoot(root)
        return try kind.layout.samples(root: root, split: split, fold: fold)
    }

    /// `split` when `kind` has it. Asking only for images (training, which is unsupervised), an unsplit dataset
    /// takes any split name: the train split of a list is the list.
    static func checked(_ split: String, of kind: DatasetKind, imagesOnly: Bool) throws -> String {
        let valid = validSplits(kind)
        guard valid.contains(split) || (imagesOnly && valid == ["all"]) else { throw DatasetError.badSplit(kind: kind, split: split, valid: valid) }
        return split
    }

    static func requireRoot(_ root: String) throws {
        guard FileManager.default.fileExists(atPath: root) else { throw DatasetError.missing(path: root, detail: "no such file or folder") }
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
        try requireRoot(root)
        return try kind.layout.imagePaths(root: root, split: checked(split, of: kind, imagesOnly: true))
    }
}
