import Foundation

/// NWPU-Crowd: `images/NNNN.jpg`, `jsons/NNNN.json` (`human_num`) or `mats/NNNN.mat` (`annPoints`), and split
/// lists `{train,val,test}.txt` whose lines start with the image id. Test labels are not public.
enum NWPUCrowd: DatasetLayout {
    static let splits = ["train", "val", "test"]

    /// The image ids the split list names, in its order (each line starts with one).
    static func imageIDs(root: String, split: String) throws -> [String] {
        let list = DatasetReader.join(root, "\(split).txt")
        guard let text = try? String(contentsOfFile: list, encoding: .utf8) else { throw DatasetError.missing(path: list, detail: "split list not found") }
        return text.split(whereSeparator: \.isNewline).compactMap { $0.split(separator: " ").first.map(String.init) }
    }

    static func imagePath(root: String, id: String) -> String { DatasetReader.join(DatasetReader.join(root, "images"), id + ".jpg") }

    static func imagePaths(root: String, split: String) throws -> [String] {
        try imageIDs(root: root, split: split).map { imagePath(root: root, id: $0) }
    }

    static func samples(root: String, split: String, fold: Int?) throws -> [DatasetSample] {
        try imageIDs(root: root, split: split).map { id -> DatasetSample in
            let image = imagePath(root: root, id: id)
            if split == "test" { return DatasetSample(imagePath: image, groundTruth: nil) }
            let json = DatasetReader.join(DatasetReader.join(root, "jsons"), id + ".json")
            if let data = FileManager.default.contents(atPath: json) {
                guard let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                    throw DatasetError.badAnnotation(file: json, reason: "not a JSON object")
                }
                if let n = obj["human_num"] as? Double { return DatasetSample(imagePath: image, groundTruth: n) }
                if let points = obj["points"] as? [Any] { return DatasetSample(imagePath: image, groundTruth: Double(points.count)) }
                throw DatasetError.badAnnotation(file: json, reason: "neither `human_num` nor `points`")
            }
            let mat = DatasetReader.join(DatasetReader.join(root, "mats"), id + ".mat")
            guard FileManager.default.fileExists(atPath: mat) else { throw DatasetError.missing(path: json, detail: "annotation missing for \(image) (no jsons/ or mats/ file)") }
            return DatasetSample(imagePath: image, groundTruth: try DatasetReader.pointCount(mat: mat, field: "annPoints"))
        }
    }
}
