import Foundation
import XCTest
@testable import CrowdCLIPCore

/// A file name holding a newline is written by `CSVText.field` as one quoted field over two lines; every reader of
/// result files (resume, compaction, merge) must see one record there, and nothing may be deleted for it.
final class MultiLineRecordTests: XCTestCase {
    private var dir = ""
    private let header = CountOutputFormat.csvHeader

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "crowdclip-multiline-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    private func write(_ name: String, _ text: String) throws -> String {
        let path = dir + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func ok(_ image: String, _ count: Int) -> String {
        CountOutputFormat.csv.line(for: CountResult(image: image, width: 1, height: 1, count: Double(count), patches: []), path: "/d/" + image)
    }

    func testResumeSeesANameWithANewlineAsOneCountedRecord() throws {
        let newline = ok("a\nb.jpg", 3), comma = ok("c,d.jpg", 4)
        XCTAssertTrue(newline.contains("\n"), "the premise: CSVText.field keeps the newline inside quotes")
        let path = try write("r.csv", [header, newline, comma, ok("e.jpg", 5), ""].joined(separator: "\n"))
        let index = try ResumeIndex(readingFile: path, expected: .csv)
        XCTAssertEqual(index.countedImages, 3)
        XCTAssertTrue(index.contains(path: "/d/a\nb.jpg"))
        XCTAssertEqual(index.tornBytes, 0)
    }

    func testARecordCutOffAfterItsInnerNewlineIsTornAsAWhole() throws {
        let kept = [header, ok("e.jpg", 5), ""].joined(separator: "\n")
        let path = try write("t.csv", kept + "\"a\nb.jpg\",\"/d/a\n")  // a write cut short just after the inner newline
        let index = try ResumeIndex(readingFile: path, expected: .csv)
        XCTAssertEqual(index.completeLength, kept.utf8.count)
        XCTAssertEqual(index.countedImages, 1)
    }

    func testCompactionKeepsNewlineNamesAndLinesItCannotRead() throws {
        let junk = "someone's note, not a record"
        let text = [header, CountOutputFormat.csv.line(forFailure: "a\nb.jpg", path: "/d/a\nb.jpg", error: "bad"), junk,
                    ok("e.jpg", 5), ok("a\nb.jpg", 3), ""].joined(separator: "\n")
        let path = try write("c.csv", text)
        XCTAssertEqual(try CountOutputFile.compact(path: path, format: .csv), 1, "only the superseded failure goes")
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8),
                       [header, junk, ok("e.jpg", 5), ok("a\nb.jpg", 3), ""].joined(separator: "\n"))
    }

    func testAQuoteLeftOpenDoesNotSwallowTheRecordsAfterIt() throws {
        let filler = (0..<3000).map { ok("f\($0).jpg", $0) }  // more than `longestRecord` bytes after the damage
        let path = try write("d.csv", ([header, "\"damaged"] + filler + [""]).joined(separator: "\n"))
        let index = try ResumeIndex(readingFile: path, expected: .csv)
        XCTAssertEqual(index.countedImages, filler.count)
        XCTAssertEqual(index.tornBytes, 0)
    }

    func testMergeReadsANewlineNameAsOneRecord() throws {
        let a = try write("s0.csv", [header, ok("a\nb.jpg", 3), ok("e.jpg", 5), ""].joined(separator: "\n"))
        let b = try write("s1.csv", [header, ok("c,d.jpg", 4), ""].joined(separator: "\n"))
        let shard = try ShardOutput.read(path: a)
        XCTAssertEqual(shard.problems, [])
        XCTAssertEqual(shard.records.map(\.image), ["a\nb.jpg", "e.jpg"])
        let r = try ShardMerge.merge([shard, try ShardOutput.read(path: b)])
        XCTAssertEqual(r.records, 3)
        XCTAssertEqual(r.malformed, [])
        XCTAssertEqual(Set(r.lines), [header, ok("a\nb.jpg", 3), ok("c,d.jpg", 4), ok("e.jpg", 5)])
    }
}
