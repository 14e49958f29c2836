import Foundation

/// ShanghaiTech Part A/B: `{train,test}_data/images/IMG_N.jpg`, `ground-truth/GT_IMG_N.mat`
/// (`image_info{1}{1}.location`, N×2; `ground_truth/` accepted too).
enum ShanghaiTech {
    static func imagePaths(root: String, split: String) throws -> [String] {
        try DatasetReader.images(in: DatasetReader.join(DatasetReader.join(root, "\(split)_data"), "images"))
    }

    static func samples(root: String, split: String) throws -> [DatasetSample] {
        let base = DatasetReader.join(root, "\(split)_data")
        let images = try imagePaths(root: root, split: split)
        let gtDir = ["ground-truth", "ground_truth"].map { DatasetReader.join(base, $0) }
            .first { FileManager.default.fileExists(atPath: $0) } ?? DatasetReader.join(base, "ground-truth")
        return try images.map { image in
            let mat = DatasetReader.join(gtDir, "GT_\(DatasetReader.stem(image)).mat")
            guard FileManager.default.fileExists(atPath: mat) else { throw DatasetError.missing(mat, "annotation missing for \(image)") }
            return DatasetSample(imagePath: image, groundTruth: try DatasetReader.pointCount(mat: mat, field: "location"))
        }
    }
}

/// UCF-QNRF: `{Train,Test}/img_NNNN.jpg` + `img_NNNN_ann.mat` (`annPoints`); longer side limited to 2048.
enum UCFQNRF {
    static func imagePaths(root: String, split: String) throws -> [String] {
        try DatasetReader.images(in: DatasetReader.join(root, split.prefix(1).uppercased() + split.dropFirst()), extensions: ["jpg"])
    }

    static func samples(root: String, split: String) throws -> [DatasetSample] {
        try imagePaths(root: root, split: split).map { image in
            let mat = (image as NSString).deletingPathExtension + "_ann.mat"
            guard FileManager.default.fileExists(atPath: mat) else { throw DatasetError.missing(mat, "annotation missing for \(image)") }
            return DatasetSample(imagePath: image, groundTruth: try DatasetReader.pointCount(mat: mat, field: "annPoints"), maxLongSide: 2048)
        }
    }
}

/// UCF_CC_50: `N.jpg` + `N_ann.mat` (`annPoints`), 50 grey images; `fold` K of 5 holds images 10(K−1)+1…10K.
enum UCFCC50 {
    /// Every image, whatever the fold.
    static func imagePaths(root: String) throws -> [String] { try DatasetReader.images(in: root, extensions: ["jpg"]) }

    static func samples(root: String, fold: Int?) throws -> [DatasetSample] {
        var images = try imagePaths(root: root)
        if let k = fold {
            guard (1...5).contains(k) else { throw DatasetError.badSplit(.ucf50, "fold \(k)", ["folds 1…5"]) }
            images = images.filter { Int(DatasetReader.stem($0)).map { (10 * (k - 1) + 1)...(10 * k) ~= $0 } ?? false }
        }
        return try images.map { image in
            let mat = (image as NSString).deletingPathExtension + "_ann.mat"
            guard FileManager.default.fileExists(atPath: mat) else { throw DatasetError.missing(mat, "annotation missing for \(image)") }
            return DatasetSample(imagePath: image, groundTruth: try DatasetReader.pointCount(mat: mat, field: "annPoints"))
        }
    }
}

/// JHU-Crowd++: `{train,val,test}/images/NNNN.jpg` + `gt/NNNN.txt` (one head per non-empty line).
enum JHUCrowd {
    static func imagePaths(root: String, split: String) throws -> [String] {
        try DatasetReader.images(in: DatasetReader.join(DatasetReader.join(root, split), "images"), extensions: ["jpg"])
    }

    static func samples(root: String, split: String) throws -> [DatasetSample] {
        let base = DatasetReader.join(root, split)
        return try imagePaths(root: root, split: split).map { image in
            let txt = DatasetReader.join(DatasetReader.join(base, "gt"), DatasetReader.stem(image) + ".txt")
            guard let text = try? String(contentsOfFile: txt, encoding: .utf8) else { throw DatasetError.missing(txt, "annotation missing for \(image)") }
            let heads = text.split(whereSeparator: \.isNewline).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            return DatasetSample(imagePath: image, groundTruth: Double(heads.count))
        }
    }
}

/// NWPU-Crowd: `images/NNNN.jpg`, `jsons/NNNN.json` (`human_num`) or `mats/NNNN.mat` (`annPoints`), and split
/// lists `{train,val,test}.txt` whose lines start with the image id. Test labels are not public.
enum NWPUCrowd {
    /// The image ids the split list names, in its order (each line starts with one).
    static func imageIDs(root: String, split: String) throws -> [String] {
        let list = DatasetReader.join(root, "\(split).txt")
        guard let text = try? String(contentsOfFile: list, encoding: .utf8) else { throw DatasetError.missing(list, "split list not found") }
        return text.split(whereSeparator: \.isNewline).compactMap { $0.split(separator: " ").first.map(String.init) }
    }

    static func imagePath(root: String, id: String) -> String { DatasetReader.join(DatasetReader.join(root, "images"), id + ".jpg") }

    static func imagePaths(root: String, split: String) throws -> [String] {
        try imageIDs(root: root, split: split).map { imagePath(root: root, id: $0) }
    }

    static func samples(root: String, split: String) throws -> [DatasetSample] {
        try imageIDs(root: root, split: split).map { id -> DatasetSample in
            let image = imagePath(root: root, id: id)
            if split == "test" { return DatasetSample(imagePath: image, groundTruth: nil) }
            let json = DatasetReader.join(DatasetReader.join(root, "jsons"), id + ".json")
            if let data = FileManager.default.contents(atPath: json) {
                guard let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                    throw DatasetError.badAnnotation(json, "not a JSON object")
                }
                if let n = obj["human_num"] as? Double { return DatasetSample(imagePath: image, groundTruth: n) }
                if let points = obj["points"] as? [Any] { return DatasetSample(imagePath: image, groundTruth: Double(points.count)) }
                throw DatasetError.badAnnotation(json, "neither `human_num` nor `points`")
            }
            let mat = DatasetReader.join(DatasetReader.join(root, "mats"), id + ".mat")
            guard FileManager.default.fileExists(atPath: mat) else { throw DatasetError.missing(json, "annotation missing for \(image) (no jsons/ or mats/ file)") }
            return DatasetSample(imagePath: image, groundTruth: try DatasetReader.pointCount(mat: mat, field: "annPoints"))
        }
    }
}

/// A plain list: `path [count]` per line, paths relative to the list file; `#` starts a comment.
enum ListFile {
    static func samples(path: String) throws -> [DatasetSample] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw DatasetError.missing(path, "cannot read the list") }
        let dir = (path as NSString).deletingLastPathComponent
        return try text.split(whereSeparator: \.isNewline).enumerated().compactMap { n, raw in
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#") else { return nil }
            var parts = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            var count: Double?
            if parts.count >= 2, let c = Double(parts.last!) { count = c; parts.removeLast() }
            else if parts.count >= 2 { throw DatasetError.badAnnotation(path, "line \(n + 1): \"\(parts.last!)\" is not a count") }
            let file = parts.joined(separator: " ")
            return DatasetSample(imagePath: file.hasPrefix("/") ? file : DatasetReader.join(dir, file), groundTruth: count)
        }
    }
}
