import Foundation

/// ShanghaiTech Part A/B: `{train,test}_data/images/IMG_N.jpg`, `ground-truth/GT_IMG_N.mat`
/// (`image_info{1}{1}.location`, N×2; `ground_truth/` accepted too).
enum ShanghaiTech: DatasetLayout {
    static let splits = ["train", "test"]

    static func imagePaths(root: String, split: String) throws -> [String] {
        try DatasetReader.images(in: DatasetReader.join(DatasetReader.join(root, "\(split)_data"), "images"))
    }

    static func samples(root: String, split: String, fold: Int?) throws -> [DatasetSample] {
        let base = DatasetReader.join(root, "\(split)_data")
        let images = try imagePaths(root: root, split: split)
        let gtDir = ["ground-truth", "ground_truth"].map { DatasetReader.join(base, $0) }
            .first { FileManager.default.fileExists(atPath: $0) } ?? DatasetReader.join(base, "ground-truth")
        return try images.map { image in
            let mat = DatasetReader.join(gtDir, "GT_\(DatasetReader.stem(image)).mat")
            guard FileManager.default.fileExists(atPath: mat) else { throw DatasetError.missing(path: mat, detail: "annotation missing for \(image)") }
            return DatasetSample(imagePath: image, groundTruth: try DatasetReader.pointCount(mat: mat, field: "location"))
        }
    }
}
