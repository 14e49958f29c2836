import XCTest
@testable import CrowdCLIPCore

/// Every weights format loads to the canonical names and values of reference.safetensors (Tools/gen_10_weights.py).
final class WeightFormatTests: XCTestCase {
    enum Rounding { case none, fp16, bf16 }

    func round(_ v: Float, _ r: Rounding) -> Float {
        switch r {
        case .none: return v
        case .fp16: return Float(Float16(v))
        case .bf16:  // round to nearest even on the upper 16 bits, as PyTorch does
            let b = v.bitPattern
            return Float(bitPattern: (b &+ 0x7FFF &+ ((b >> 16) & 1)) & 0xFFFF_0000)
        }
    }

    func assertMatchesReference(_ file: String, _ rounding: Rounding, line: UInt = #line) throws {
        let ref = try WeightLoader.load(path: Fixtures.path("weights/reference.safetensors"))
        let store = try WeightLoader.load(path: Fixtures.path("weights/\(file)"))
        XCTAssertEqual(store.names, ref.names, "\(file): names differ", line: line)
        for name in ref.names {
            let a = try ref.tensor(name), b = try store.tensor(name)
            XCTAssertEqual(a.count, b.count, "\(file) \(name)", line: line)
            XCTAssertEqual(a.shape.reduce(1, *), b.shape.reduce(1, *), line: line)
            var worst: Float = 0
            for i in 0..<min(a.count, b.count) { worst = max(worst, abs(round(a[flat: i], rounding) - b[flat: i])) }
            XCTAssertEqual(worst, 0, "\(file) \(name): max difference \(worst)", line: line)
        }
    }

    func testOpenCLIPSafetensorsFP16() throws { try assertMatchesReference("open_clip-fp16.safetensors", .fp16) }
    func testTorchSaveFP32() throws { try assertMatchesReference("state_dict-fp32.pt", .none) }
    func testTorchSaveFP16() throws { try assertMatchesReference("state_dict-fp16.pth", .fp16) }
    func testTorchSaveBF16() throws { try assertMatchesReference("state_dict-bf16.bin", .bf16) }
    func testTorchSaveStridedView() throws { try assertMatchesReference("state_dict-strided.pt", .none) }
    func testCrowdCLIPLightningCheckpoint() throws { try assertMatchesReference("crowdclip-lightning.ckpt", .none) }
    func testOpenAITorchScriptArchive() throws { try assertMatchesReference("openai-torchscript-fp16.pt", .fp16) }
    func testHuggingFaceFolder() throws {
        try assertMatchesReference("hf-clip", .none)
        let store = try WeightLoader.load(path: Fixtures.path("weights/hf-clip"))
        XCTAssertEqual(store.hints, ModelHints(activation: "quick_gelu", visionHeads: 2, textHeads: 2))
    }

    func testFP32SafetensorsAreMappedNotCopied() throws {
        let fp32 = try WeightLoader.load(path: Fixtures.path("weights/reference.safetensors"))
        XCTAssertTrue(try fp32.tensor("visual.conv1.weight").storage.isBorrowed)
        let fp16 = try WeightLoader.load(path: Fixtures.path("weights/open_clip-fp16.safetensors"))
        XCTAssertFalse(try fp16.tensor("visual.conv1.weight").storage.isBorrowed)
    }

    func testEveryFormatRunsTheSameModel() throws {
        let inputs = Tensor(zeros: [1, 3, 32, 32])
        for i in 0..<inputs.count { inputs[flat: i] = Float(sin(Double(i) * 0.01)) }
        let ref = try CLIPModel(path: Fixtures.path("weights/reference.safetensors"), headWidth: 8).encodeImages(inputs)
        for file in ["state_dict-fp32.pt", "crowdclip-lightning.ckpt", "hf-clip"] {
            let f = try CLIPModel(path: Fixtures.path("weights/\(file)"), headWidth: 8).encodeImages(inputs)
            for i in 0..<f.count { XCTAssertEqual(f[flat: i], ref[flat: i], accuracy: 1e-6, file) }
        }
    }

    func testMaliciousPickleIsRefusedAndNothingRuns() throws {
        try? FileManager.default.removeItem(atPath: "/tmp/crowdclip-pwned")
        XCTAssertThrowsError(try WeightLoader.load(path: Fixtures.path("weights/malicious.pt"))) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("malicious.pt"), message)
            XCTAssertTrue(message.contains("posix.system") || message.contains("os.system"), message)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/crowdclip-pwned"))
    }

    // MARK: errors name the file and the cause

    func temporary(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = NSTemporaryDirectory() + "crowdclip-test-\(getpid())-\(name)"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func assertError(_ path: String, contains needle: String, line: UInt = #line) {
        XCTAssertThrowsError(try WeightLoader.load(path: path), line: line) { error in
            let m = "\(error)"
            XCTAssertTrue(m.contains(path) && m.contains(needle), "message was: \(m)", line: line)
        }
    }

    func testMissingEmptyAndUnknownFiles() throws {
        assertError("/nonexistent/weights.pt", contains: "no such file")
        assertError(try temporary("empty.pt", []), contains: "empty")
        assertError(try temporary("text.pt", Array("hello, this is not a model".utf8)), contains: "not a supported weights file")
    }

    func testTruncatedFilesOfEveryFormatFailCleanly() throws {
        for file in ["reference.safetensors", "state_dict-fp32.pt", "crowdclip-lightning.ckpt", "openai-torchscript-fp16.pt"] {
            let bytes = [UInt8](try Fixtures.data("weights/\(file)"))
            for cut in [9, 64, bytes.count / 3, bytes.count / 2, bytes.count - 30, bytes.count - 1] {
                let path = try temporary("cut-\(cut)-\(file)", Array(bytes.prefix(cut)))
                XCTAssertThrowsError(try WeightLoader.load(path: path), "\(file) cut at \(cut)") { e in
                    XCTAssertTrue("\(e)".contains(path), "\(e)")
                }
            }
        }
    }

    /// The case of a `WeightError`, without its payload, and the file it names.
    func kindAndFile(_ error: WeightError) -> (kind: String, file: String) {
        switch error {
        case let .cannotOpen(file, _): return ("cannotOpen", file)
        case let .unknownFormat(file): return ("unknownFormat", file)
        case let .corrupt(file, _): return ("corrupt", file)
        case let .unsupported(file, _): return ("unsupported", file)
        case let .placeholderInsteadOfTensor(file, _, _): return ("placeholderInsteadOfTensor", file)
        case let .missingKey(file, _): return ("missingKey", file)
        case let .shapeMismatch(file, _, _, _): return ("shapeMismatch", file)
        case .notFound: return ("notFound", "")
        }
    }

    /// Every tensor's name and shape; reading each tensor also checks its data range.
    func shapes(_ store: WeightStore) throws -> [String: [Int]] {
        var shapes: [String: [Int]] = [:]
        for name in store.names { shapes[name] = try store.tensor(name).shape }
        return shapes
    }

    /// Bytes flipped in the first 4 KiB (the safetensors JSON header, the pickle, or tensor data) either
    /// make the load throw a `WeightError` that names the damaged file and says it is damaged or not a weights
    /// file, or the file still loads, with the original's tensor names and shapes (a flip inside tensor data or
    /// in bytes the reader does not interpret; a flip inside a pickled key renames that tensor and nothing else).
    func testCorruptedBytesNeverCrash() throws {
        var rng = SplitMix(seed: 42)
        for file in ["reference.safetensors", "state_dict-fp16.pth", "openai-torchscript-fp16.pt"] {
            let original = [UInt8](try Fixtures.data("weights/\(file)"))
            let expected = try shapes(WeightLoader.load(path: Fixtures.path("weights/\(file)")))
            var outcomes: [String: Int] = [:]
            for trial in 0..<40 {
                var bytes = original
                for _ in 0..<4 { bytes[Int(rng.next() % UInt64(min(bytes.count, 4096)))] = UInt8(truncatingIfNeeded: rng.next()) }
                let path = try temporary("flip-\(trial)-\(file)", bytes)
                defer { try? FileManager.default.removeItem(atPath: path) }
                do {
                    let loaded = try shapes(WeightLoader.load(path: path))
                    if loaded == expected {
                        outcomes["loaded", default: 0] += 1
                    } else {
                        // A flip inside a pickled key string renames that tensor; nothing else may change.
                        let renamed = Set(loaded.keys).subtracting(expected.keys)
                        XCTAssertFalse(renamed.isEmpty, "\(file) trial \(trial) loaded with other shapes")
                        XCTAssertEqual(loaded.count, expected.count, "\(file) trial \(trial) loaded other tensors: \(renamed)")
                        XCTAssertEqual(loaded.values.map { "\($0)" }.sorted(), expected.values.map { "\($0)" }.sorted(),
                                       "\(file) trial \(trial) loaded other shapes")
                        XCTAssertTrue(renamed.allSatisfy { new in expected.keys.contains { $0.count == new.count && !loaded.keys.contains($0) } },
                                      "\(file) trial \(trial): \(renamed) are not renamed originals")
                        outcomes["loaded, keys renamed", default: 0] += 1
                    }
                } catch let error as WeightError {
                    let (kind, named) = kindAndFile(error)
                    XCTAssertTrue(["corrupt", "unknownFormat", "unsupported"].contains(kind),
                                  "\(file) trial \(trial): unexpected \(kind): \(error)")
                    XCTAssertEqual(named, path, "\(file) trial \(trial): \(error)")
                    XCTAssertTrue("\(error)".hasPrefix(path), "\(file) trial \(trial): \(error)")
                    outcomes[kind, default: 0] += 1
                } catch {
                    XCTFail("\(file) trial \(trial) threw \(type(of: error)), not a WeightError: \(error)")
                }
            }
            print("corruption outcomes for \(file): \(outcomes.sorted { $0.key < $1.key })")
            XCTAssertGreaterThan(outcomes["corrupt", default: 0], 0, "\(file): no flip was reported as corrupt: \(outcomes)")
        }
    }

    func testMissingKeyAndShapeMismatchAreNamed() throws {
        var store = try WeightLoader.load(path: Fixtures.path("weights/reference.safetensors"))
        store.remove("visual.ln_pre.weight")
        XCTAssertThrowsError(try CLIPModel(weights: store, headWidth: 8)) { e in
            XCTAssertTrue("\(e)".contains("missing weight `visual.ln_pre.weight`"), "\(e)")
        }
        store.set("visual.ln_pre.weight", Tensor(zeros: [5]))
        XCTAssertThrowsError(try CLIPModel(weights: store, headWidth: 8)) { e in
            XCTAssertTrue("\(e)".contains("`visual.ln_pre.weight` has shape [5], expected [16]"), "\(e)")
        }
    }
}

/// A small deterministic generator for corruption tests (the library's SplitMix64).
typealias SplitMix = SplitMixRNG
