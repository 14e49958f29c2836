import Foundation

/// A dataset that cannot be read: a missing file or folder, an unknown split, a bad annotation, or no labels where
/// they are needed. `crowdclip` exits with status 5 (nothing could be done).
public enum DatasetError: Error, CustomStringConvertible {
    /// A file or folder (`path`) is missing; `detail` says what is missing or what was looked for.
    case missing(path: String, detail: String)
    /// The dataset `kind` has no such split; the `valid` ones are listed.
    case badSplit(kind: DatasetKind, split: String, valid: [String])
    /// An annotation file cannot be used; `reason` says why.
    case badAnnotation(file: String, reason: String)
    /// The split of the dataset at `root` has no labelled image (validation needs ground truth).
    case unlabeled(root: String, split: String)

    /// The message, naming the path or split.
    public var description: String {
        switch self {
        case let .missing(path, what): return "\(path): \(what)"
        case let .badSplit(kind, split, valid): return "\(kind.rawValue) has no split \"\(split)\"; use one of: \(valid.joined(separator: ", "))"
        case let .badAnnotation(path, why): return "\(path): \(why)"
        case let .unlabeled(root, split): return "\(root): the \(split) split has no labelled images"
        }
    }
}
