import XCTest
@testable import CrowdCLIPCore

/// Token ids identical to open_clip.tokenize (Tools/gen_30_tokenizer.py).
final class TokenizerTests: XCTestCase {
    struct Cases: Decodable {
        struct Case: Decodable { let text: String; let ids: [Int32] }
        let cases: [Case]
        let context8: [[Int32]]
    }

    func testIdsMatchOpenCLIP() throws {
        let fixture = try JSONDecoder().decode(Cases.self, from: try Fixtures.data("tokenizer/cases.json"))
        XCTAssertGreaterThan(fixture.cases.count, 300)
        let tok = try CLIPTokenizer.standard()
        var failures = 0
        for c in fixture.cases {
            let row = tok.tokenize([c.text])[0]
            XCTAssertEqual(row.count, 77)
            let got = Array(row.prefix(c.ids.count))
            if got != c.ids || row.dropFirst(c.ids.count).contains(where: { $0 != 0 }) {
                failures += 1
                XCTFail("\(c.text.debugDescription): got \(got) expected \(c.ids)")
            }
        }
        XCTAssertEqual(failures, 0)
    }

    func testShortContextKeepsTheEndToken() throws {
        let fixture = try JSONDecoder().decode(Cases.self, from: try Fixtures.data("tokenizer/cases.json"))
        let rows = try CLIPTokenizer.standard().tokenize(["There are 20 persons in the crowd", String(repeating: "x", count: 300)], contextLength: 8)
        XCTAssertEqual(rows, fixture.context8)
        XCTAssertEqual(rows[1].last, CLIPTokenizer.endToken)
    }

    func testSpecialTokensAndVocabularySize() throws {
        let tok = try CLIPTokenizer.standard()
        XCTAssertEqual(tok.vocabularySize, 49408)
        let row = tok.tokenize([""])[0]
        XCTAssertEqual(Array(row.prefix(3)), [49406, 49407, 0])
    }

    func testBadVocabularyFileIsAClearError() throws {
        let path = NSTemporaryDirectory() + "crowdclip-bad-vocab-\(getpid()).gz"
        try Data("not gzip".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try CLIPTokenizer(vocabularyPath: path)) { e in
            XCTAssertTrue("\(e)".contains(path) && "\(e)".contains("gzip"), "\(e)")
        }
    }
}
