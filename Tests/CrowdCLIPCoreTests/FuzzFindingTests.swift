import CZlib
import XCTest
@testable import CrowdCLIPCore

/// Every input found by fuzzing (issue 9's findings and `make fuzz`), rebuilt from its description: each gives a
/// clean error of the right kind, or the right result, never a trap, a sanitizer report or a runaway cost.
final class FuzzFindingTests: XCTestCase {
    // MARK: builders

    func temporary(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = NSTemporaryDirectory() + "crowdclip-fuzzfind-\(getpid())-\(name)"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
    static func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    static func le64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }

    /// A stored zip. `declared` overrides an entry's uncompressed size in the directory; `zip64Count` adds a zip64
    /// end record claiming that many entries; `extraEntries` lists more directory entries pointing at entry 0.
    static func zip(_ entries: [(String, [UInt8])], declared: [String: Int] = [:], zip64Count: UInt64? = nil,
                    extraEntries: Int = 0) -> [UInt8] {
        var out: [UInt8] = [], cd: [UInt8] = []
        var offsets: [Int] = []
        for (name, data) in entries {
            offsets.append(out.count)
            out += le32(0x0403_4B50) + le16(20) + le16(0) + le16(0) + le32(0) + le32(0)
            out += le32(data.count) + le32(data.count) + le16(name.utf8.count) + le16(0) + Array(name.utf8) + data
        }
        func central(_ name: String, size: Int, declared: Int, offset: Int) -> [UInt8] {
            le32(0x0201_4B50) + le16(20) + le16(20) + le16(0) + le16(0) + le32(0) + le32(0)
                + le32(size) + le32(declared) + le16(name.utf8.count) + le16(0) + le16(0) + le16(0) + le16(0)
                + le32(0) + le32(offset) + Array(name.utf8)
        }
        for ((name, data), offset) in Swift.zip(entries, offsets) {
            cd += central(name, size: data.count, declared: declared[name] ?? data.count, offset: offset)
        }
        for k in 0..<extraEntries { cd += central("archive/data/\(k + 100)", size: entries[0].1.count, declared: entries[0].1.count, offset: 0) }
        let cdOffset = out.count
        out += cd
        let count = entries.count + extraEntries
        if let n = zip64Count {
            let z64 = out.count
            out += le32(0x0606_4B50) + le64(44) + le16(45) + le16(45) + le32(0) + le32(0)
            out += le64(n) + le64(n) + le64(UInt64(cd.count)) + le64(UInt64(cdOffset))
            out += le32(0x0706_4B50) + le32(0) + le64(UInt64(z64)) + le32(1)
        }
        out += le32(0x0605_4B50) + le16(0) + le16(0) + le16(count) + le16(count) + le32(cd.count) + le32(cdOffset) + le16(0)
        return out
    }

    /// Pickle opcodes, enough to write tensor records by hand.
    enum P {
        static let proto: [UInt8] = [0x80, 2], stop: [UInt8] = [0x2E], mark: [UInt8] = [0x28], tuple: [UInt8] = [0x74]
        static let emptyDict: [UInt8] = [0x7D], setitem: [UInt8] = [0x73], reduce: [UInt8] = [0x52], none: [UInt8] = [0x4E]
        static func global(_ m: String, _ n: String) -> [UInt8] { [0x63] + Array("\(m)\n\(n)\n".utf8) }
        static func str(_ s: String) -> [UInt8] { [0x8C, UInt8(s.utf8.count)] + Array(s.utf8) }
        static func int(_ v: Int) -> [UInt8] { [0x8A, 8] + le64(UInt64(bitPattern: Int64(v))) }
        static func ints(_ v: [Int]) -> [UInt8] { mark + v.flatMap(int) + tuple }
        /// `_rebuild_tensor_v2(storage('0', FloatStorage, count), 0, shape, stride, False, {})`.
        static func tensor(count: Int, shape: [Int], stride: [Int]) -> [UInt8] {
            let pid = mark + str("storage") + global("torch", "FloatStorage") + str("0") + str("cpu") + int(count) + tuple + [0x51]
            return global("torch._utils", "_rebuild_tensor_v2") + mark + pid + int(0) + ints(shape) + ints(stride)
                + [0x89] + emptyDict + tuple + reduce
        }
    }

    func assertCorrupt(_ path: String, _ needle: String, line: UInt = #line) {
        XCTAssertThrowsError(try WeightLoader.load(path: path), line: line) { error in
            guard case let .corrupt(file, reason)? = error as? WeightError else { return XCTFail("\(error)", line: line) }
            XCTAssertEqual(file, path, line: line)
            XCTAssertTrue(reason.contains(needle), reason, line: line)
        }
    }

    // MARK: crashes and memory errors

    /// Finding 1: a zip64 end record claiming ≥ 2^63 entries (it became −1 and `0..<count` trapped).
    func testZip64EntryCountBeyondIntMax() throws {
        let pickle = P.proto + P.emptyDict + P.stop
        for n in [UInt64(1) << 63, UInt64.max, 1 << 40] {
            assertCorrupt(try temporary("zip64-\(n).pt", Self.zip([("archive/data.pkl", pickle)], zip64Count: n)), "claims")
        }
    }

    /// Finding 2: the pickle cap checked the declared size while a stored entry is read at its real length.
    func testPickleWhoseEntryLiesAboutItsSize() throws {
        let nested = P.proto + P.none + [UInt8](repeating: 0x85, count: 5_000_000) + P.stop  // 5 M nested 1-tuples
        assertCorrupt(try temporary("pkl-lie.pt", Self.zip([("archive/data.pkl", nested)], declared: ["archive/data.pkl": 100])),
                      "claims 100 bytes but holds")
        XCTAssertThrowsError(try WeightLoader.load(path: try temporary("pkl-big.pt", Self.zip([("archive/data.pkl", nested)])))) {
            guard case let .unsupported(_, reason)? = $0 as? WeightError else { return XCTFail("\($0)") }
            XCTAssertTrue(reason.contains("larger than 4 MiB"), reason)
        }
    }

    /// Finding 2's other half: deeply nested values are released without recursion (on this thread's own stack).
    func testDeeplyNestedPickleIsReleasedWithoutRecursion() throws {
        let nested = P.proto + P.none + [UInt8](repeating: 0x85, count: 3_000_000) + P.stop
        try nested.withUnsafeBytes { raw in
            let arena = PickleArena()
            var v = try RestrictedUnpickler(file: "nested.pkl", data: raw, arena: arena).load()
            var depth = 0
            while case let .tuple(t) = v, let first = t.items.first { v = first; depth += 1 }
            XCTAssertEqual(depth, 3_000_000)
            arena.release()
        }
    }

    /// Finding 3: zero strides and a huge shape (an overflow trap, or a petabyte allocation).
    func testZeroStridesWithAHugeShape() throws {
        for shape in [[1 << 31, 1 << 31], [1 << 20, 1 << 20, 1 << 10], [1 << 62, 4]] {
            let pkl = P.proto + P.emptyDict + P.str("w") + P.tensor(count: 1, shape: shape, stride: shape.map { _ in 0 }) + P.setitem + P.stop
            let file = Self.zip([("archive/data.pkl", pkl), ("archive/data/0", [0, 0, 128, 63])])
            assertCorrupt(try temporary("zero-stride-\(shape.count).pt", file), shape == [1 << 62, 4] ? "has shape" : "more elements than its storage")
        }
        // The same record with a real stride loads (the builder is right).
        let ok = P.proto + P.emptyDict + P.str("w") + P.tensor(count: 1, shape: [1], stride: [1]) + P.setitem + P.stop
        let store = try WeightLoader.load(path: try temporary("one.pt", Self.zip([("archive/data.pkl", ok), ("archive/data/0", [0, 0, 128, 63])])))
        XCTAssertEqual(try store.tensor("w").array, [1])
    }

    /// Finding 4: Hugging Face q/k/v of shape [] wrote three floats into a 0-row tensor.
    func testHuggingFaceScalarQKV() throws {
        var tensors: [(String, Tensor)] = []
        for p in ["q", "k", "v"] {
            tensors.append(("vision_model.encoder.layers.0.self_attn.\(p)_proj.weight", Tensor(shape: [], values: [1])))
            tensors.append(("vision_model.encoder.layers.0.self_attn.\(p)_proj.bias", Tensor(shape: [], values: [2])))
        }
        tensors.append(("vision_model.encoder.layers.0.layer_norm1.weight", Tensor(shape: [2], values: [1, 1])))
        let path = NSTemporaryDirectory() + "crowdclip-fuzzfind-\(getpid())-hf-scalar.safetensors"
        try SafetensorsWriter.write(tensors, to: path)
        let store = try WeightLoader.load(path: path)
        XCTAssertTrue(store.contains("visual.transformer.resblocks.0.ln_1.weight"))
        XCTAssertThrowsError(try store.tensor("visual.transformer.resblocks.0.attn.in_proj_weight")) {
            XCTAssertEqual($0 as? WeightError, .missingKey(file: path, key: "visual.transformer.resblocks.0.attn.in_proj_weight"))
        }
    }

    // MARK: cost bombs

    /// Finding 6: dict insertion was quadratic (300 k keys took 164 s).
    func testPickleDictWithManyKeys() throws {
        let n = 300_000
        var pkl = P.proto + P.emptyDict + P.mark
        for i in 0..<n { pkl += P.str("key\(i)") + P.none }
        pkl += [0x75] + P.stop  // SETITEMS
        try pkl.withUnsafeBytes { raw in
            let arena = PickleArena()
            defer { arena.release() }
            guard case let .dict(d) = try RestrictedUnpickler(file: "keys.pkl", data: raw, arena: arena).load() else { return XCTFail() }
            XCTAssertEqual(d.keys.count, n)
            XCTAssertNotNil(d.get("key\(n - 1)"))
        }
        assertCorrupt(try temporary("keys.pt", Self.zip([("archive/data.pkl", pkl)])), "no tensors found")
    }

    /// Re-using one large value through the memo must not multiply the work (BUILD merging a dict each time).
    func testPickleRepeatingAWideBuild() throws {
        var pkl = P.proto + P.emptyDict + [0x71, 0] + P.mark  // EMPTY_DICT, BINPUT 0
        for i in 0..<100_000 { pkl += P.str("k\(i)") + P.none }
        pkl += [0x75]  // SETITEMS: memo 0 holds 100 k keys
        pkl += P.emptyDict
        for _ in 0..<300_000 { pkl += [0x68, 0, 0x62] }  // BINGET 0, BUILD
        pkl += P.stop
        try pkl.withUnsafeBytes { raw in
            let arena = PickleArena()
            defer { arena.release() }
            XCTAssertThrowsError(try RestrictedUnpickler(file: "build.pkl", data: raw, arena: arena).load()) {
                XCTAssertTrue("\($0)".contains("copies far more data than it holds"), "\($0)")
            }
        }
    }

    /// A flipped byte inside a pickled key used to load as a key with U+FFFD in it; Python's unpickler refuses it.
    func testPickleStringWithInvalidUTF8IsCorrupt() throws {
        let pkl = P.proto + [0x8C, 4] + Array("ab".utf8) + [0xC3, 0x28] + P.stop  // SHORT_BINUNICODE "ab\xC3("
        try pkl.withUnsafeBytes { raw in
            let arena = PickleArena()
            defer { arena.release() }
            XCTAssertThrowsError(try RestrictedUnpickler(file: "utf8.pkl", data: raw, arena: arena).load()) {
                guard case let WeightError.corrupt(file, reason) = $0 else { return XCTFail("\($0)") }
                XCTAssertEqual(file, "utf8.pkl")
                XCTAssertTrue(reason.contains("not valid UTF-8"), reason)
            }
        }
    }

    /// Finding 7: cleaning was quadratic (2 MB took 47 s); tokenizing stops once the context is full.
    func testTokenizerOnMegabytesOfText() throws {
        let tokenizer = try CLIPTokenizer.standard()
        let sentence = "There are Twenty persons in the CROWD, ΣΟΦΊΑ said; "
        let short = String(repeating: sentence, count: 40)
        let long = String(repeating: sentence, count: 2_000_000 / sentence.utf8.count)
        XCTAssertEqual(tokenizer.tokenize([long]), tokenizer.tokenize([short]))
        XCTAssertEqual(TextCleaner.clean(long).count, long.count - long.filter { $0 == " " }.count + long.split(separator: " ").count - 1)
        XCTAssertEqual(tokenizer.encode(long, maxTokens: 5), Array(tokenizer.encode(short).prefix(5)))
    }

    /// Encoding stops early on a prefix of the text: the ids are those of the whole text, whatever the text.
    func testEarlyStopGivesTheWholeTextsFirstIds() throws {
        let tokenizer = try CLIPTokenizer.standard()
        var rng = SplitMixRNG(seed: 3)
        let pieces = ["crowd", "Σ", "ΣΑΣ", " ", "  ", "\n", "&amp;", "&#32;", "e\u{301}", "\u{301}", "'s", "'", "ﬁ", "１２", "7", ".",
                      "<start_of_text>", "<end_of_text>", "ß", "İ", "字", "\u{1F600}", "a", "b9", "\t", "\u{0}", "&"]
        for _ in 0..<60 {
            let text = (0..<(1500 + Int(rng.next() % 4000))).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined()
            let whole = tokenizer.encode(text)
            for k in [1, 5, 75, 300] { XCTAssertEqual(tokenizer.encode(text, maxTokens: k), Array(whole.prefix(k))) }
        }
    }

    /// Finding 7: one 128 KB word (the reference BPE loop is quadratic in its length).
    func testTokenizerOnOneHugeWord() throws {
        let tokenizer = try CLIPTokenizer.standard()
        for word in [String(repeating: "a", count: 131_072), String((0..<131_072).map { Character(UnicodeScalar(UInt8(97 + ($0 * 7919) % 26))) })] {
            let row = tokenizer.tokenize([word])[0]
            XCTAssertEqual(row.count, 77)
            XCTAssertEqual(row.first, CLIPTokenizer.startToken)
            XCTAssertEqual(row.last, CLIPTokenizer.endToken)
            XCTAssertFalse(row.contains(0))
        }
    }

    /// The heap BPE gives the reference loop's result (differential, on words up to 300 bytes).
    func testHeapBPEMatchesTheReferenceLoop() throws {
        let tokenizer = try CLIPTokenizer.standard()
        var rng = SplitMixRNG(seed: 9)
        let alphabet = Array("aaaeeiioouulnrstmpcdbhgkwyzq0123456789éß'") + ["ñ", "ü", "字", "😀"]
        for _ in 0..<1500 {
            let length = 1 + Int(rng.next() % 300)
            let word = String((0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
            let ours = tokenizer.encode(word), reference = referenceBPE(tokenizer, word)
            XCTAssertEqual(ours, reference, word)
        }
    }

    /// CLIP's reference merge loop, as `bpe()` in open_clip's tokenizer, applied to each pre-token.
    func referenceBPE(_ t: CLIPTokenizer, _ text: String) -> [Int] {
        var ids: [Int] = []
        for piece in PreTokenizer.split(TextCleaner.clean(text)) {
            let bytes = Array(piece.utf8)
            var word = bytes.indices.map { $0 == bytes.count - 1 ? t.byteSymbolEnd[Int(bytes[$0])] : t.byteSymbol[Int(bytes[$0])] }
            while word.count > 1 {
                var best: (rank: Int32, merged: Int32, a: Int32, b: Int32)?
                for i in 0..<(word.count - 1) {
                    if let m = t.merges[UInt64(UInt32(word[i])) << 32 | UInt64(UInt32(word[i + 1]))], best == nil || m.rank < best!.rank {
                        best = (m.rank, m.merged, word[i], word[i + 1])
                    }
                }
                guard let m = best else { break }
                var merged: [Int32] = [], i = 0
                while i < word.count {
                    if i < word.count - 1 && word[i] == m.a && word[i + 1] == m.b { merged.append(m.merged); i += 2 } else { merged.append(word[i]); i += 1 }
                }
                word = merged
            }
            ids += word.map(Int.init)
        }
        return ids
    }

    /// Finding 8: zip entries that all point at one block (each added entry cost ~768 MB).
    func testZipEntriesSharingOneBlock() throws {
        let pkl = P.proto + P.emptyDict + P.stop
        assertCorrupt(try temporary("shared.pt", Self.zip([("archive/data.pkl", pkl)], extraEntries: 20)), "overlap")
    }

    /// Finding 8: a deflated entry claiming more than deflate can produce from its compressed bytes.
    func testDeflatedEntryClaimingAnImpossibleRatio() throws {
        var file = Self.zip([("archive/data.pkl", P.proto + P.emptyDict + P.stop)])
        // Patch the directory entry: method 8 (deflate), uncompressed size 1 GB.
        let cd = Int(file[(file.count - 6)...].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) })
        file[cd + 10] = 8
        file.replaceSubrange((cd + 24)..<(cd + 28), with: Self.le32(1 << 30))
        assertCorrupt(try temporary("ratio.pt", file), "compressed bytes")
    }

    static func deflate(_ data: [UInt8]) -> [UInt8] {
        var size = compressBound(uLong(data.count))
        var out = [UInt8](repeating: 0, count: Int(size))
        _ = compress2(&out, &size, data, uLong(data.count), 9)
        return Array(out.prefix(Int(size)))
    }

    /// A MAT file holding one compressed element around `inner`.
    static func mat(compressed inner: [UInt8]) -> [UInt8] {
        var header = [UInt8](repeating: 0x20, count: 128)
        header[124] = 0; header[125] = 1; header[126] = UInt8(ascii: "I"); header[127] = UInt8(ascii: "M")
        let z = deflate(inner)
        return header + le32(15) + le32(z.count) + z
    }

    /// Finding 8: a MAT zlib bomb (130 KB reached 1.33 GB): inflation stops at what the element declares.
    func testMATZlibBomb() throws {
        // A uint8 matrix tag declaring 64 bytes, followed by 128 MB of zeros.
        let inner = Self.le32(14) + Self.le32(64) + [UInt8](repeating: 0, count: 128 << 20)
        let bomb = Self.mat(compressed: inner)
        XCTAssertLessThan(bomb.count, 200_000)
        assertInvalidMAT(bomb, name: "bomb.mat", reasonContains: "inflates past the size it declares")
    }

    /// Finding 8: uint8 data became 8-byte Doubles without a bound (a 1 MB MAT file asked for 8 GiB).
    func testMATValuesAreBoundedPerFile() throws {
        func matrix(count n: Int) -> [UInt8] {
            let pad = { (b: [UInt8]) in b + [UInt8](repeating: 0, count: (8 - b.count % 8) % 8) }
            var body = Self.le32(6) + Self.le32(8) + Self.le32(9) + Self.le32(0)      // flags: uint8 class
            body += Self.le32(5) + Self.le32(8) + Self.le32(1) + Self.le32(n)        // dims 1×n
            body += Self.le32(1) + Self.le32(1) + pad([UInt8(ascii: "x")])           // name
            body += Self.le32(2) + Self.le32(n) + pad([UInt8](repeating: 7, count: n))  // uint8 data
            return Self.le32(14) + Self.le32(body.count) + body
        }
        let small = try MATFile(data: Data(Self.mat(compressed: matrix(count: 1000))), name: "small.mat")
        XCTAssertEqual(small["x"], .numeric(shape: [1, 1000], values: [Double](repeating: 7, count: 1000)))
        let big = Self.mat(compressed: matrix(count: MATReader.Budget.maxValues + 8))
        XCTAssertLessThan(big.count, 100_000)
        assertInvalidMAT(big, name: "big.mat", reasonContains: "values in one file")
    }

    /// `bytes` must be refused as an invalid MAT-file named `name`, for a reason containing `reasonContains`.
    func assertInvalidMAT(_ bytes: [UInt8], name: String, reasonContains: String, line: UInt = #line) {
        XCTAssertThrowsError(try MATFile(data: Data(bytes), name: name), line: line) { error in
            guard case let .invalid(file, reason)? = error as? MATFile.FormatError else { return XCTFail("\(error)", line: line) }
            XCTAssertEqual(file, name, line: line)
            XCTAssertTrue(reason.contains(reasonContains), reason, line: line)
        }
    }

    /// Finding 9: a list holding itself loaded but leaked; the arena breaks the cycle.
    func testCyclicPicklesAreFreed() throws {
        // EMPTY_LIST, BINPUT 0, BINGET 0, APPEND, STOP: l = []; l.append(l)
        let pkl = P.proto + [0x5D, 0x71, 0, 0x68, 0, 0x61] + P.stop
        weak var weakList: PickleList?
        try pkl.withUnsafeBytes { raw in
            let arena = PickleArena()
            guard case let .list(l) = try RestrictedUnpickler(file: "cycle.pkl", data: raw, arena: arena).load() else { return XCTFail() }
            guard case let .list(inner)? = l.items.first else { return XCTFail() }
            XCTAssertTrue(inner === l)
            weakList = l
            arena.release()
        }
        XCTAssertNil(weakList, "the self-referencing list must be freed")
    }
}
