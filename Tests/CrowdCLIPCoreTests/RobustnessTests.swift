import XCTest
@testable import CrowdCLIPCore

/// Regression tests for crafted or unlucky inputs found in review: each must be an error or a skip, never a trap.
final class RobustnessTests: XCTestCase {
    func temporary(_ name: String) -> String {
        let dir = NSTemporaryDirectory() + "crowdclip-robust-\(getpid())-\(name)"
        try? FileManager.default.removeItem(atPath: dir)
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func testSafetensorsHeaderLengthWithTheTopBitSet() throws {
        var bytes = [UInt8](repeating: 0xFF, count: 8) + Array("{\"a\":1}".utf8)
        bytes[7] = 0x80
        let path = temporary("st") + "/huge.safetensors"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try WeightLoader.load(path: path)) { XCTAssertTrue("\($0)".contains("not plausible"), "\($0)") }
    }

    func testMATStructClaimingBillionsOfElements() throws {
        // A 1×1 struct from scipy, with its dimensions patched to 65535×65535.
        var bytes = [UInt8](try Fixtures.data("datasets/mat/values-raw.mat"))
        let mat = try MATFile(data: Data(bytes), name: "ok.mat")
        XCTAssertNotNil(mat["records"])
        // Find the dimensions element of the first array (miINT32, 8 bytes: 01 00 00 00 … after the flags).
        for i in 128..<(bytes.count - 16) where bytes[i] == 5 && bytes[i + 4] == 8 && bytes[i + 1] == 0 && bytes[i + 5] == 0 {
            bytes[i + 8] = 0xFF; bytes[i + 9] = 0xFF; bytes[i + 12] = 0xFF; bytes[i + 13] = 0xFF
        }
        XCTAssertThrowsError(try MATFile(data: Data(bytes), name: "patched.mat"))
    }

    func testTrainingRefusesModelsThatDoNotTake224Pixels() throws {
        var c = TrainingConfiguration()
        c.headWidth = 8
        XCTAssertThrowsError(try Trainer(base: try WeightLoader.load(path: Fixtures.path("weights/reference.safetensors")),
                                         images: ["x.jpg"], outputDirectory: temporary("t224"), configuration: c,
                                         tokenizer: try CLIPTokenizer.standard(), resume: false)) {
            XCTAssertTrue("\($0)".contains("32×32"), "\($0)")
        }
    }

    func testTrainingSkipsUnreadableImages() throws {
        let dir = temporary("skip")
        try FileManager.default.copyItem(atPath: Fixtures.path("training/picture.png"), toPath: dir + "/a.png")
        try Data("broken".utf8).write(to: URL(fileURLWithPath: dir + "/b.png"))
        var c = TrainingConfiguration()
        c.headWidth = 8; c.epochs = 1; c.augment = false
        let trainer = try Trainer(base: try WeightLoader.load(path: Fixtures.path("models/tiny-p16.safetensors")),
                                  images: [dir + "/a.png", dir + "/b.png"], outputDirectory: dir + "/run", configuration: c,
                                  tokenizer: try CLIPTokenizer.standard(), resume: false)
        var skipped: [String] = []
        try trainer.run(onSkip: { path, _ in skipped.append(path) })
        XCTAssertEqual(skipped, [dir + "/b.png"])
        XCTAssertEqual(trainer.epochsDone, 1)
        let log = try String(contentsOfFile: dir + "/run/log.jsonl", encoding: .utf8)
        XCTAssertTrue(log.contains("\"loss\": null"), "a step with no readable image logs null: \(log)")
        for line in log.split(separator: "\n") { XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(line.utf8))) }
    }

    func testPicturesOfImagesWithTheSameNameDoNotOverwriteEachOther() throws {
        let dir = temporary("names")
        for sub in ["a", "b"] {
            try FileManager.default.createDirectory(atPath: "\(dir)/\(sub)", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: Fixtures.path("counting/scene-0.png"), toPath: "\(dir)/\(sub)/IMG_1.png")
        }
        let (base, counter) = try CountingParityTests.models()
        let crowd = try CrowdCounter(base: base, counter: counter, tokenizer: try CLIPTokenizer.standard())
        _ = try BatchCounting(counter: crowd, format: .jsonl, visualizeDirectory: dir + "/pictures") { _ in }
            .run(["\(dir)/a/IMG_1.png", "\(dir)/b/IMG_1.png"])
        let pictures = try FileManager.default.contentsOfDirectory(atPath: dir + "/pictures").sorted()
        XCTAssertEqual(pictures, ["IMG_1-2.png", "IMG_1.png"])
    }

    func testResumeReadsAFileCutMidCharacter() throws {
        let path = temporary("resume") + "/out.jsonl"
        var data = Data("{\"image\": \"a.jpg\", \"count\": 3, \"patches\": []}\n{\"image\": \"b\u{e9}.jpg\", \"cou".utf8)
        data.removeLast(6)  // ends inside the two-byte é of the second, unfinished record
        try data.write(to: URL(fileURLWithPath: path))
        let index = try ResumeIndex(readingFile: path, expected: .jsonl)
        XCTAssertEqual(index.countedImages, 1)
        XCTAssertEqual(index.tornBytes, data.count - index.completeLength)
        XCTAssertGreaterThan(index.tornBytes, 0)
    }
}

extension RobustnessTests {
    /// 4 million nested tuples (the most a 4 MiB pickle can describe) load and are released without
    /// overflowing the stack; the file is then refused for having no tensors.
    func testDeeplyNestedPickleDoesNotOverflowTheStack() throws {
        var pickle: [UInt8] = [0x80, 0x02, 0x4E]  // PROTO 2, NONE
        pickle += [UInt8](repeating: 0x85, count: (4 << 20) - 8)  // TUPLE1 …
        pickle += [0x2E]  // STOP
        let path = temporary("deep") + "/deep.pt"
        try ZipFixture.stored(["archive/data.pkl": pickle]).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try WeightLoader.load(path: path)) { XCTAssertTrue("\($0)".contains("no tensors"), "\($0)") }
    }
}

/// A minimal stored (uncompressed) zip writer for tests.
enum ZipFixture {
    static func stored(_ entries: [String: [UInt8]]) -> Data {
        var out = [UInt8](), central = [UInt8]()
        func u16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
        func u32(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24 & 0xFF)] }
        for (name, data) in entries.sorted(by: { $0.key < $1.key }) {
            let crc = 0, n = Array(name.utf8), offset = out.count  // the reader does not check CRCs
            out += u32(0x0403_4B50) + u16(20) + u16(0) + u16(0) + u16(0) + u16(0) + u32(crc) + u32(data.count) + u32(data.count)
                + u16(n.count) + u16(0) + n + data
            central += u32(0x0201_4B50) + u16(20) + u16(20) + u16(0) + u16(0) + u16(0) + u16(0) + u32(crc) + u32(data.count)
                + u32(data.count) + u16(n.count) + u16(0) + u16(0) + u16(0) + u16(0) + u32(0) + u32(offset) + n
        }
        let cdOffset = out.count
        out += central + u32(0x0605_4B50) + u16(0) + u16(0) + u16(entries.count) + u16(entries.count) + u32(central.count) + u32(cdOffset) + u16(0)
        return Data(out)
    }
}
