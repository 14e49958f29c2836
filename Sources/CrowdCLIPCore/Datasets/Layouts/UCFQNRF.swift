import Foundation

/// UCF-QNRF: `{Train,Test}/img_NNNN.jpg` + `img_NNNN_ann.mat` (`annPoints`); longer side limited to 2048.
enum UCFQNRF: DatasetLayout {
    static let splits = ["train", "test"]

    static func imagePaths(root: String, split: String) throws -> [String] {
        try DatasetReader.images(in: DatasetReader.join(root, split.prefix(1).uppercased() + split.dropFirst()), extensions: ["jpg"])
    }

    static func samples(root: String, split: String, fold: Int?) throws -> [DatasetSample] {
        try imagePaths(root: root, split: split).map { image in
            let mat = (image as NSString).deletingPathExtension + "_ann.mat"
            guard FileManager.default.fileExists(atPath: mat) else { throw DatasetError.missing(path: mat, detail: "annotation missing for \(image)") }
            return DatasetSample(imagePath: image, groundTruth: try DatasetReader.pointCount(mat: mat, field: "annPoints"), maxLongSide: 2048)
        }
    }
}
