import XCTest
@testable import CrowdCLIPCore

/// The one whole-file writer: a reader sees the old file or the whole new one, and a failed write leaves no trace.
final class AtomicFileTests: XCTestCase {
    private func folder(_ name: String) throws -> String {
        let dir = NSTemporaryDirectory() + "crowdclip-atomic-\(getpid())-\(name)"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func testStreamedLinesReplaceTheFileAndKeepItsMode() throws {
        let path = try folder("stream") + "/out.jsonl"
        try AtomicFile.write(Data("old\n".utf8), to: path)
        chmod(path, 0o600)
        let big = String(repeating: "x", count: 1 << 20)  // past the writer's buffer: gathered and direct writes mix
        try AtomicFile.write(to: path, keepingMode: true) { out in
            try out.writeLine("a")
            try out.write(Data(big.utf8))
            try out.writeLine("b")
        }
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "a\n" + big + "b\n")
        XCTAssertEqual((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int), 0o600)
    }

    func testAFailedWriteLeavesTheOldFileAndNoTemporary() throws {
        let dir = try folder("fail"), path = dir + "/out.csv"
        try AtomicFile.write(Data("kept\n".utf8), to: path)
        struct Stop: Error {}
        XCTAssertThrowsError(try AtomicFile.write(to: path) { out in try out.writeLine("half"); throw Stop() }) { XCTAssertTrue($0 is Stop) }
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "kept\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["out.csv"])
        XCTAssertThrowsError(try AtomicFile.write(Data(), to: dir + "/missing/out.csv"))
    }
}
