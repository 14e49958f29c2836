import Foundation

/// CLIP's byte-level BPE tokenizer, giving the same ids as `open_clip.tokenize`.
///
/// Text is cleaned (`TextCleaner`), split by CLIP's pattern (`PreTokenizer`), each piece's UTF-8 bytes are
/// mapped to printable characters, and merges are applied by rank. Symbols are vocabulary ids throughout, so a
/// merge is one dictionary look-up on a pair of integers.
///
/// One tokenizer may be used from several threads at once.
// Unchecked: the only mutable state, the word cache, is read and written under `lock`.
public final class CLIPTokenizer: @unchecked Sendable {
    /// Id of `<start_of_text>`, placed before every sequence.
    static let startToken: Int32 = 49406
    /// Id of `<end_of_text>`, placed after every sequence (and kept when a sequence is truncated).
    static let endToken: Int32 = 49407
    /// open_clip's context length: tokens per sequence, padded with 0.
    public static let defaultContextLength = 77

    /// Vocabulary id of each byte's single-character symbol, without and with the end-of-word marker.
    let byteSymbol: [Int32]
    let byteSymbolEnd: [Int32]
    /// (left id, right id) → (rank, merged id).
    let merges: [UInt64: (rank: Int32, merged: Int32)]
    /// Number of ids: 256 byte symbols, their end-of-word forms, one per merge, plus the two special tokens
    /// (49,408 for the standard vocabulary).
    let vocabularySize: Int
    private var cache: [String: [Int32]] = [:]
    private let lock = NSLock()

    /// Loads the vocabulary (`bpe_simple_vocab_16e6.txt.gz`: a header line, then 48,894 merges).
    public init(vocabularyPath: String) throws {
        let text = try GzipFile.readText(path: vocabularyPath)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let mergeCount = 49152 - 256 - 2
        guard lines.count > mergeCount else {
            throw TokenizerError.badVocabulary(file: vocabularyPath, reason: "expected at least \(mergeCount + 1) lines, found \(lines.count)")
        }
        lines = Array(lines[1...mergeCount])
        let byteChars = ByteEncoding.characters
        var vocab: [String: Int32] = [:]
        vocab.reserveCapacity(49408)
        var next: Int32 = 0
        // Ids follow the reference's table order (printable bytes first), not byte values.
        for b in ByteEncoding.order { vocab[String(byteChars[b])] = next; next += 1 }
        for b in ByteEncoding.order { vocab[String(byteChars[b]) + "</w>"] = next; next += 1 }
        var merges: [UInt64: (Int32, Int32)] = [:]
        merges.reserveCapacity(lines.count)
        for (rank, line) in lines.enumerated() {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let a = vocab[String(parts[0])], let b = vocab[String(parts[1])] else {
                throw TokenizerError.badVocabulary(file: vocabularyPath, reason: "merge line \(rank + 2) is malformed: \(line)")
            }
            let merged = String(parts[0]) + String(parts[1])
            let id = vocab[merged] ?? next
            if vocab[merged] == nil { vocab[merged] = next; next += 1 }
            merges[UInt64(UInt32(a)) << 32 | UInt64(UInt32(b))] = (Int32(rank), id)
        }
        vocabularySize = Int(next) + 2  // + <start_of_text>, <end_of_text>
        byteSymbol = (0..<256).map { vocab[String(byteChars[$0])]! }
        byteSymbolEnd = (0..<256).map { vocab[String(byteChars[$0]) + "</w>"]! }
        self.merges = merges.mapValues { (rank: $0.0, merged: $0.1) }
    }

    /// The tokenizer with the vocabulary that ships with the library as a resource, or the file named by
    /// `$CROWDCLIP_VOCAB`. Loaded once and shared; it throws `TokenizerError.vocabularyNotFound` (naming every
    /// folder it searched) when the resource bundle was not installed beside the executable.
    public static func standard() throws -> CLIPTokenizer {
        try shared.get()
    }

    private static let shared: Result<CLIPTokenizer, Error> = Result {
        try CLIPTokenizer(vocabularyPath: try VocabularyLocator.find())
    }

    /// BPE ids of `text`, without start and end tokens; with `maxTokens`, the first `maxTokens` of them, and the
    /// rest of the text is not even cleaned.
    ///
    /// A long text is encoded by growing prefixes cut just before an ASCII space that precedes an ASCII letter or
    /// digit. No step of the pipeline looks across such a cut (NFC composes nothing with a space, an HTML entity
    /// never contains one, the final-sigma rule and every pre-token stop at it), so a prefix's ids are the first
    /// ids of the whole text.
    func encode(_ text: String, maxTokens: Int = .max) -> [Int] {
        guard maxTokens < 1 << 40 else { return encodeWhole(text, maxTokens: maxTokens) }
        var window = max(4096, maxTokens * 32)
        var text = text
        return text.withUTF8 { utf8 in
            while window < utf8.count {
                var cut = window
                while cut + 1 < utf8.count {
                    let c = utf8[cut + 1]
                    if utf8[cut] == 0x20, (c >= 0x30 && c <= 0x39) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A) { break }
                    cut += 1
                }
                guard cut + 1 < utf8.count else { break }
                let ids = encodeWhole(String(decoding: UnsafeBufferPointer(rebasing: utf8[..<cut]), as: UTF8.self), maxTokens: maxTokens)
                if ids.count >= maxTokens { return ids }
                window = cut * 4
            }
            return encodeWhole(String(decoding: utf8, as: UTF8.self), maxTokens: maxTokens)
        }
    }

    private func encodeWhole(_ text: String, maxTokens: Int) -> [Int] {
        var ids: [Int] = []
        for piece in PreTokenizer.split(TextCleaner.clean(text)) {
            if ids.count >= maxTokens { break }
            switch piece {
            case "<start_of_text>": ids.append(Int(Self.startToken))
            case "<end_of_text>": ids.append(Int(Self.endToken))
            default: ids += bpe(piece).map(Int.init)
            }
        }
        return ids.count > maxTokens ? Array(ids.prefix(maxTokens)) : ids
    }

    /// Token rows as `open_clip.tokenize` makes them: start, ids, end, zero padding to `contextLength`;
    /// longer texts are cut with the end token kept last. Only the ids that fit are computed (open_clip encodes
    /// the whole text first; the rows are the same).
    public func tokenize(_ texts: [String], contextLength: Int = defaultContextLength) -> [[Int32]] {
        texts.map { text in
            var row = [Self.startToken] + encode(text, maxTokens: max(contextLength - 1, 0)).map(Int32.init) + [Self.endToken]
            if row.count > contextLength {
                row = Array(row.prefix(contextLength))
                if contextLength > 0 { row[contextLength - 1] = Self.endToken }
            }
            return row + [Int32](repeating: 0, count: max(0, contextLength - row.count))
        }
    }

    /// Pieces longer than this are not cached (a long word is rare and would pin its memory).
    private static let cachedPieceLength = 64
    private static let cacheCapacity = 100_000

    /// Applies merges to one pre-token by rank, lowest first, with the result of CLIP's reference loop.
    ///
    /// The reference merges every occurrence of the lowest-ranked pair left to right, then looks again, which is
    /// quadratic in the word's length. Here candidate pairs sit in a heap ordered by (rank, position) over a
    /// linked list of symbols: O(n log n). The order is the same, because a pair containing a merged symbol always
    /// ranks after the merge that made the symbol (BPE learns a symbol before it can take part in a merge).
    private func bpe(_ piece: String) -> [Int32] {
        let cacheable = piece.utf8.count <= Self.cachedPieceLength
        if cacheable {
            lock.lock()
            if let hit = cache[piece] { lock.unlock(); return hit }
            lock.unlock()
        }
        let bytes = Array(piece.utf8)
        guard !bytes.isEmpty else { return [] }
        let n = bytes.count
        var symbol = bytes.indices.map { $0 == n - 1 ? byteSymbolEnd[Int(bytes[$0])] : byteSymbol[Int(bytes[$0])] }
        var next = Array(1...n), prev = Array(-1..<(n - 1))
        next[n - 1] = -1
        var alive = [Bool](repeating: true, count: n)
        var heap = MergeHeap()
        func key(_ a: Int32, _ b: Int32) -> UInt64 { UInt64(UInt32(a)) << 32 | UInt64(UInt32(b)) }
        func consider(_ i: Int) {
            let j = next[i]
            guard j >= 0, let m = merges[key(symbol[i], symbol[j])] else { return }
            heap.push(MergeHeap.Candidate(rank: m.rank, position: i, left: symbol[i], right: symbol[j], merged: m.merged))
        }
        for i in 0..<(n - 1) { consider(i) }
        while let c = heap.pop() {
            let i = c.position, j = next[i]
            guard alive[i], j >= 0, symbol[i] == c.left, symbol[j] == c.right else { continue }  // stale candidate
            symbol[i] = c.merged
            alive[j] = false
            next[i] = next[j]
            if next[j] >= 0 { prev[next[j]] = i }
            if prev[i] >= 0 { consider(prev[i]) }
            consider(i)
        }
        var word: [Int32] = []
        var i = 0
        while i >= 0 { word.append(symbol[i]); i = next[i] }
        if cacheable {
            lock.lock()
            if cache.count >= Self.cacheCapacity { cache.removeAll(keepingCapacity: true) }
            cache[piece] = word
            lock.unlock()
        }
        return word
    }
}
