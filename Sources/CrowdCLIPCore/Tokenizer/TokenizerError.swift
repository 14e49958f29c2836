import Foundation

/// Why the BPE vocabulary could not be loaded.
public enum TokenizerError: Error, CustomStringConvertible {
    /// The file is unreadable, not gzip, or not a CLIP merges list; `reason` says why.
    case badVocabulary(file: String, reason: String)
    /// No vocabulary file was found in any of the places `searched`.
    case vocabularyNotFound(searched: [String])
    /// A one-line message; for `vocabularyNotFound` it lists the places searched and suggests `CROWDCLIP_VOCAB`.
    public var description: String {
        switch self {
        case let .badVocabulary(path, why): return "\(path): not a CLIP BPE vocabulary: \(why)"
        case let .vocabularyNotFound(places):
            return "CLIP BPE vocabulary bpe_simple_vocab_16e6.txt.gz not found; looked in: "
                + places.joined(separator: ", ") + ". Set CROWDCLIP_VOCAB to its path."
        }
    }
}
