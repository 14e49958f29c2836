import ArgumentParser
import CrowdCLIPCore

/// `--split`, `--val-split` and `--fold` checked against the dataset's layout before anything is read, so a typo
/// is a usage error (2) and not a dataset problem (5).
enum SplitOption {
    /// `split` must be one the reader knows for `kind`; `anyForSingleSplit`: a layout with one split ("all":
    /// UCF_CC_50, lists) takes any name, as training reads it (its train split is the whole list).
    static func check(_ split: String?, option: String, kind: DatasetKind, anyForSingleSplit: Bool = false) throws {
        guard let split else { return }
        let valid = DatasetReader.validSplits(kind)
        if valid.contains(split) || (anyForSingleSplit && valid == ["all"]) { return }
        throw ValidationError("\(option) \(split): \(kind.rawValue) has the split(s) \(valid.joined(separator: ", "))")
    }

    /// `--fold` is UCF_CC_50's only, 1…5.
    static func checkFold(_ fold: Int?, kind: DatasetKind) throws {
        guard let fold else { return }
        guard kind == .ucf50 else { throw ValidationError("--fold is for --dataset ucf50 only (got --dataset \(kind.rawValue))") }
        guard (1...5).contains(fold) else { throw ValidationError("--fold must be between 1 and 5 (got \(fold))") }
    }
}
