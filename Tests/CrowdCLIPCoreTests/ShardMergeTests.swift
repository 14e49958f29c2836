import Foundation
import XCTest
@testable import CrowdCLIPCore

/// `crowdclip merge`'s library side: order, completeness, duplicates, refusals and eval metrics over the union.
final class ShardMergeTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "crowdclip-merge-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    private func shard(_ name: String, _ lines: [String], newline: Bool = true) throws -> ShardOutput {
        let path = dir + "/" + name
        try Data((lines.joined(separator: "\n") + (newline && !lines.isEmpty ? "\n" : "")).utf8).write(to: URL(fileURLWithPath: path))
        return try ShardOutput.read(path: path)
    }

    private func ok(_ image: String, _ count: Int, path: String? = nil) -> String {
        "{\"image\": \"\(image)\", \"path\": \"\(path ?? "/data/" + image)\", \"count\": \(count), \"patches\": []}"
    }

    private func failure(_ image: String, path: String? = nil) -> String {
        "{\"image\": \"\(image)\", \"path\": \"\(path ?? "/data/" + image)\", \"error\": \"\(image): not an image\"}"
    }

    func testJSONLinesJoinVerbatimInNaturalOrder() throws {
        let a = try shard("s0.jsonl", [ok("p/IMG_10.jpg", 5), ok("p/IMG_2.jpg", 7)])
        let b = try shard("s1.jsonl", [ok("p/IMG_1.jpg", 3), failure("p/IMG_3.jpg")])
        let r = try ShardMerge.merge([a, b])
        XCTAssertEqual(r.kind, .countJSONL)
        XCTAssertEqual(r.lines, [ok("p/IMG_1.jpg", 3), ok("p/IMG_2.jpg", 7), failure("p/IMG_3.jpg"), ok("p/IMG_10.jpg", 5)])
        XCTAssertEqual(r.records, 4)
        XCTAssertEqual(r.failed, 1)
        XCTAssertTrue(r.isComplete)
    }

    func testCSVShardsKeepOneHeader() throws {
        let header = "image,path,count,selected_patches,error"
        let a = try shard("s0.csv", [header, "p/b.jpg,/d/b.jpg,12,3,"])
        let b = try shard("s1.csv", [header, "p/a.jpg,,,,\"p/a.jpg: bad, very\""])
        let empty = try shard("s2.csv", [header])
        let r = try ShardMerge.merge([a, b, empty])
        XCTAssertEqual(r.kind, .countCSV)
        XCTAssertEqual(r.lines, [header, "p/a.jpg,,,,\"p/a.jpg: bad, very\"", "p/b.jpg,/d/b.jpg,12,3,"])
        XCTAssertEqual(r.failed, 1)
    }

    /// With the inputs, records come in the order a run over them takes, and every input must appear once.
    func testInputsGiveTheOrderAndTheCompletenessCheck() throws {
        for f in ["a/IMG_1.jpg", "a/IMG_2.jpg", "a/IMG_10.jpg", "b/x.png"] {
            try FileManager.default.createDirectory(atPath: dir + "/" + (f as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data().write(to: URL(fileURLWithPath: dir + "/" + f))
        }
        let real = { (f: String) in ShardOutput.canonicalPath(self.dir + "/" + f)! }
        let (inputs, problems) = ShardMerge.ExpectedInput.expand([dir + "/b", dir + "/a"])
        XCTAssertTrue(problems.isEmpty)
        XCTAssertEqual(inputs.map(\.identity), ["b/x.png", "a/IMG_1.jpg", "a/IMG_2.jpg", "a/IMG_10.jpg"].map(real))

        let s0 = try shard("s0.jsonl", [ok("a/IMG_10.jpg", 1, path: real("a/IMG_10.jpg")), ok("a/IMG_1.jpg", 2, path: real("a/IMG_1.jpg"))])
        let s1 = try shard("s1.jsonl", [ok("b/x.png", 3, path: real("b/x.png")), ok("a/IMG_2.jpg", 4, path: real("a/IMG_2.jpg"))])
        let whole = try ShardMerge.merge([s0, s1], expected: inputs)
        XCTAssertTrue(whole.isComplete)
        XCTAssertEqual(whole.lines, [ok("b/x.png", 3, path: real("b/x.png")), ok("a/IMG_1.jpg", 2, path: real("a/IMG_1.jpg")),
                                     ok("a/IMG_2.jpg", 4, path: real("a/IMG_2.jpg")), ok("a/IMG_10.jpg", 1, path: real("a/IMG_10.jpg"))])

        // Shard 1 lost, shard 0 run twice under another name, and a stray record.
        let again = try shard("s0-again.jsonl", [ok("a/IMG_1.jpg", 2, path: real("a/IMG_1.jpg")), ok("z.jpg", 9, path: "/elsewhere/z.jpg")])
        let broken = try ShardMerge.merge([s0, again], expected: inputs)
        XCTAssertFalse(broken.isComplete)
        XCTAssertEqual(broken.missing, [dir + "/b/x.png", dir + "/a/IMG_2.jpg"])
        XCTAssertEqual(broken.duplicated.map(\.image), ["a/IMG_1.jpg"])
        XCTAssertEqual(broken.duplicated.first?.files, [dir + "/s0.jsonl", dir + "/s0-again.jsonl"])
        XCTAssertEqual(broken.unexpected, ["z.jpg"])
        XCTAssertEqual(broken.records, 3)
    }

    /// Without --inputs the order is a single run's over one folder, subfolders (--recursive) included.
    func testNaturalOrderIsTheRunsOrderWithSubfolders() throws {
        let names = ["IMG_10.jpg", "IMG_2.jpg", "b.jpg", "b/x.jpg", "b/IMG_1.png", "B2/y.jpg", "a.jpg", "IMG_1.jpg"]
        for f in names {
            try FileManager.default.createDirectory(atPath: dir + "/p/" + (f as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data().write(to: URL(fileURLWithPath: dir + "/p/" + f))
        }
        let run = Array(ImageInputs.expand([dir + "/p"], recursive: true).images)
        XCTAssertEqual(run.count, names.count)
        let s = try shard("s.jsonl", run.reversed().map { ok($0, 1, path: $0) })
        XCTAssertEqual(try ShardMerge.merge([s]).lines, run.map { ok($0, 1, path: $0) })
    }

    /// An input the run could not read (a missing folder) is expected as the error record keyed by the argument.
    func testAnUnreadableInputIsExpectedAsItsErrorRecord() throws {
        let (inputs, problems) = ShardMerge.ExpectedInput.expand([dir + "/gone"])
        XCTAssertEqual(problems.map(\.0), [dir + "/gone"])
        let s = try shard("s.jsonl", ["{\"image\": \"\(dir)/gone\", \"error\": \"no such file or folder\"}"])
        let r = try ShardMerge.merge([s], expected: inputs)
        XCTAssertTrue(r.isComplete)
        XCTAssertEqual(r.failed, 1)
    }

    /// A resumed task retried a failure: within one file the success replaces it and it is no duplicate.
    func testWithinOneShardASuccessReplacesAnEarlierFailure() throws {
        let s = try shard("s.jsonl", [failure("p/a.jpg"), ok("p/b.jpg", 1), ok("p/a.jpg", 4)])
        let r = try ShardMerge.merge([s])
        XCTAssertEqual(r.lines, [ok("p/a.jpg", 4), ok("p/b.jpg", 1)])
        XCTAssertEqual(r.failed, 0)
        XCTAssertTrue(r.duplicated.isEmpty)
        // Across shards the success wins too, but it is reported.
        let t = try shard("t.jsonl", [failure("p/b.jpg")])
        let both = try ShardMerge.merge([s, t])
        XCTAssertEqual(both.lines, [ok("p/a.jpg", 4), ok("p/b.jpg", 1)])
        XCTAssertEqual(both.duplicated.map(\.image), ["p/b.jpg"])
    }

    func testMixedShardsAreRefused() throws {
        let jsonl = try shard("a.jsonl", [ok("p/a.jpg", 1)])
        let csv = try shard("b.csv", ["image,path,count,selected_patches,error", "p/b.jpg,/d/b.jpg,2,1,"])
        let oldCSV = try shard("c.csv", ["image,count,selected_patches,error", "p/c.jpg,2,1,"])
        let eval = try shard("d.csv", ["image,gt,count", "p/d.jpg,3,4"])
        for (x, y) in [(jsonl, csv), (csv, eval), (csv, oldCSV), (eval, jsonl)] {
            XCTAssertThrowsError(try ShardMerge.merge([x, y])) { error in
                guard case let .mixed(first, _, other, _) = error as? ShardMergeError else { return XCTFail("\(error)") }
                XCTAssertEqual([first, other], [x.file, y.file])
            }
        }
        let path = dir + "/table.txt"
        try Data("image                                              count  kept\np/a.jpg       3  1/9\n".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try ShardOutput.read(path: path)) { XCTAssertEqual($0 as? ShardMergeError, .table(file: path)) }
        let other = dir + "/other.csv"
        try Data("name,value\nx,1\n".utf8).write(to: URL(fileURLWithPath: other))
        XCTAssertThrowsError(try ShardOutput.read(path: other)) { XCTAssertEqual($0 as? ShardMergeError, .unknownFormat(file: other, firstLine: "name,value")) }
        XCTAssertThrowsError(try ShardOutput.read(path: dir + "/none.jsonl")) {
            XCTAssertEqual($0 as? ShardMergeError, .cannotRead(file: dir + "/none.jsonl", reason: "no such file"))
        }
    }

    /// MAE and MSE over the union of the shards (values worked out by hand).
    func testEvalShardsScoreTheUnion() throws {
        let a = try shard("e0.csv", ["image,gt,count", "p/a.jpg,10,12", "p/b.jpg,5,4"])
        let b = try shard("e1.csv", ["image,gt,count", "p/c.jpg,20,20", "p/d.jpg,,7"])
        let r = try ShardMerge.merge([b, a])
        XCTAssertEqual(r.kind, .evalCSV)
        XCTAssertEqual(r.lines, ["image,gt,count", "p/a.jpg,10,12", "p/b.jpg,5,4", "p/c.jpg,20,20", "p/d.jpg,,7"])
        XCTAssertEqual(r.metrics.count, 3)
        XCTAssertEqual(r.metrics.mae, 1.0, accuracy: 1e-12)              // (2 + 1 + 0) / 3
        XCTAssertEqual(r.metrics.mse, (5.0 / 3.0).squareRoot(), accuracy: 1e-12) // √((4 + 1 + 0) / 3)
        XCTAssertEqual(r.unlabelled, 1)
    }

    func testUnreadableLinesAreReportedWithTheirFileAndLine() throws {
        let s = try shard("s.jsonl", [ok("p/a.jpg", 1), "{not json", ok("p/b.jpg", 2), "{\"image\": \"p/c.jpg\", \"cou"], newline: false)
        let r = try ShardMerge.merge([s])
        XCTAssertEqual(r.records, 2)
        XCTAssertEqual(r.malformed.count, 2)
        XCTAssertTrue(r.malformed[0].hasPrefix(s.file + ":2: not a count record"), r.malformed[0])
        XCTAssertTrue(r.malformed[1].hasPrefix(s.file + ":4: cut-off last line"), r.malformed[1])
        XCTAssertFalse(r.isComplete)
    }

    func testEmptyShardsMergeToNothing() throws {
        let r = try ShardMerge.merge([try shard("a.jsonl", []), try shard("b.jsonl", [])])
        XCTAssertNil(r.kind)
        XCTAssertEqual(r.lines, [])
        XCTAssertTrue(r.isComplete)
    }
}
