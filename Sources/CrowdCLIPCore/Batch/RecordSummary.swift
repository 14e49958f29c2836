import Foundation

/// One record as resume and compaction see it.
struct RecordSummary {
    /// The `path` identity, or the `image` spelling for a failure whose file does not exist.
    let key: PathKey
    let counted: Bool
}
