import Foundation

/// One published dataset layout: its splits and where its images and labels are. Each file in `Layouts/` is one;
/// `DatasetKind.layout` picks it.
protocol DatasetLayout {
    /// The split names the layout has; an unsplit one (UCF_CC_50, a list) has only `all`.
    static var splits: [String] { get }
    /// The split's image files without reading any annotation.
    static func imagePaths(root: String, split: String) throws -> [String]
    /// The split's images with their labels; `fold` is only for UCF_CC_50 (checked before the call).
    static func samples(root: String, split: String, fold: Int?) throws -> [DatasetSample]
}

extension DatasetLayout {
    /// The split a run takes when none is given: test where the layout has one, else its first.
    static var defaultSplit: String { splits.contains("test") ? "test" : splits[0] }
}

extension DatasetKind {
    /// The layout that reads this kind: the one dispatch from kind to files.
    var layout: any DatasetLayout.Type {
        switch self {
        case .shanghaitech: return ShanghaiTech.self
        case .qnrf: return UCFQNRF.self
        case .ucf50: return UCFCC50.self
        case .jhu: return JHUCrowd.self
        case .nwpu: return NWPUCrowd.self
        case .list: return ListFile.self
        }
    }
}
