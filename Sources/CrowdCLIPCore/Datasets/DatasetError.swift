import Foundation

/// A dataset that cannot be read: a missing file or folder, an unknown split, or a bad annotation.
public enum DatasetError: Error, CustomStringConvertible {
    /// A file or folder (the path) is missing; the second value says what was expected there.
    case missing(String, String)
    /// The dataset has no such split; the valid ones are listed.
    case badSplit(DatasetKind, String, [String])
    /// An annotation file (the path) cannot be used; the second value says why.
    case badAnnotation(String, String)

    /// The message, naming the path or split.
    public var description: String {
        switch self {
        case let .missing(path, what): return "\(path): \(what)"
        case let .badSplit(kind, split, valid): return "\(kind.rawValue) has no split \"\(split)\"; use one of: \(valid.joined(separator: ", "))"
        case let .badAnnotation(path, why): return "\(path): \(why)"
        }
    }
}
