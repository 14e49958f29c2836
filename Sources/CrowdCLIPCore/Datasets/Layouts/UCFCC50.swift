import Foundation

/// UCF_CC_50: `N.jpg` + `N_ann.mat` (`annPoints`), 50 grey images; `fold` K of 5 holds images 10(K−1)+1…10K.
enum UCFCC50: DatasetLayout {
    static let splits = ["all"]

    /// Every image, whatever the fold.
    static func imagePaths(root: String, split: String) throws -> [String] { try DatasetReader.images(in: root, extensions: ["jpg"]) }

    static func samples(root: String, split: String, fold: Int?) throws -> [DatasetSample] {
        var images = try imagePaths(root: root, split: split)
        if let k = fold {
            guard (1...5).contains(k) else { throw DatasetError.badSplit(kind: .ucf50, split: "fold \(k)", valid: ["folds 1…5"]) }
            images = images.filter { Int(DatasetReader.stem($0)).map { (10 * (k - 1) + 1)...(10 * k) ~= $0 } ?? false }
        }
        return try images.map { image in
            let mat = (image as NSString).deletingPathExtension + "_ann.mat"
            guard FileManager.default.fileExists(atPath: mat) else { throw DatasetError.missing(path: mat, detail: "annotation missing for \(image)") }
            return DatasetSample(imagePath: image, groundTruth: try DatasetReader.pointCount(mat: mat, field: "annPoints"))
        }
    }
}
