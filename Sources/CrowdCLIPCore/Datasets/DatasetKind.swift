import Foundation

/// The dataset layouts `DatasetReader` knows (see Docs/datasets.md); `list` is a text file with one
/// `path [count]` per line (Docs/datasets.md).
public enum DatasetKind: String, CaseIterable, Sendable {
    /// ShanghaiTech A/B, UCF-QNRF, UCF_CC_50, JHU-Crowd++, NWPU-Crowd, or a list file.
    case shanghaitech, qnrf, ucf50, jhu, nwpu, list
}
