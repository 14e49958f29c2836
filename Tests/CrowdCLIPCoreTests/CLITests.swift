import Foundation
import XCTest

/// The `crowdclip` executable as a user runs it: output format, error records and exit status.
final class CLITests: XCTestCase {
    /// The executable sits beside the test bundle in the build folder.
    static var executable: URL {
        var dir = Bundle(for: CLITests.self).bundleURL.deletingLastPathComponent()
        if !FileManager.default.fileExists(atPath: dir.appendingPathComponent("crowdclip").path) {
            dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        }
        return dir.appendingPathComponent("crowdclip")
    }

    func run(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        guard FileManager.default.isExecutableFile(atPath: Self.executable.path) else {
            throw XCTSkip("crowdclip executable not found beside the tests (\(Self.executable.path))")
        }
        let p = Process()
        p.executableURL = Self.executable
        p.arguments = arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    func testTokenizePrintsOneJSONArrayPerText() throws {
        let r = try run(["tokenize", "--context-length", "8", "There are 20 persons in the crowd", "a"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.out, "[49406,997,631,273,271,14592,530,49407]\n[49406,320,49407,0,0,0,0,0]\n")
    }

    func testCountReportsABadFileAndExitsOne() throws {
        let dir = NSTemporaryDirectory() + "crowdclip-cli-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixtures.path("counting/scene-1.png"), toPath: dir + "/a.png")
        try Data("nope".utf8).write(to: URL(fileURLWithPath: dir + "/b.png"))
        let r = try run(["count", "--weights", Fixtures.path("models/tiny-p16.safetensors"), "--head-width", "8",
                         "--counter-weights", Fixtures.path("counting/counter-visual.safetensors"), dir])
        XCTAssertEqual(r.status, 1)
        let lines = r.out.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        XCTAssertEqual(lines.count, 2)
        XCTAssertEqual((lines[0]?["patches"] as? [Any])?.count, 9)
        XCTAssertTrue((lines[1]?["error"] as? String)?.contains("b.png") ?? false)
        XCTAssertTrue(r.err.contains("b.png"))
    }

    func testAMissingWeightsFileIsNamed() throws {
        let r = try run(["count", "--weights", "/nonexistent/ViT-B-16.pt", "x.jpg"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("/nonexistent/ViT-B-16.pt"), r.err)
    }

    /// Without any weights, the message says exactly how to get them (skipped where real weights are installed).
    func testNoWeightsAtAllSaysHowToGetThem() throws {
        let weights = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Weights")
        let installed = (try? FileManager.default.contentsOfDirectory(atPath: weights.path))?.contains { !$0.hasSuffix(".gz") && !$0.hasSuffix(".md") } ?? false
        if installed || ProcessInfo.processInfo.environment["CROWDCLIP_WEIGHTS"] != nil { throw XCTSkip("weights are installed here") }
        let r = try run(["count", "x.jpg"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("make weights") && r.err.contains("CROWDCLIP_WEIGHTS"), r.err)
    }
}
