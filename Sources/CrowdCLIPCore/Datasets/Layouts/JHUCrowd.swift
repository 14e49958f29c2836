import Foundation

/// JHU-Crowd++: `{train,val,test}/images/NNNN.jpg` + `gt/NNNN.txt` (one head per non-empty line).
enum JHUCrowd: DatasetLayout {
    static let splits = ["train", "val", "test"]

    static func imagePaths(root: String, split: String) throws -> [String] {
        try DatasetReader.images(in: DatasetReader.join(DatasetReader.join(root, split), "images"), extensions: ["jpg"])
    }

    static func samples(root: String, split: String, fold: Int?) throws -> [DatasetSample] {
        let base = DatasetReader.join(root, split)
        return try imagePaths(root: root, split: split).map { image in
            let txt = DatasetReader.join(DatasetReader.join(base, "gt"), DatasetReader.stem(image) + ".txt")
            guard let text = try? String(contentsOfFile: txt, encoding: .utf8) else { throw DatasetError.missing(path: txt, detail: "annotation missing for \(image)") }
            let heads = text.split(whereSeparator: \.isNewline).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            return DatasetSample(imagePath: image, groundTruth: Double(heads.count))
        }
    }
}
