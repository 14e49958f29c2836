import XCTest
@testable import CrowdCLIPCore

/// The MAT reader against files scipy wrote, and each dataset layout (Tools/gen_60_datasets.py).
final class MATFileTests: XCTestCase {
    struct Expected: Decodable { let values: [String: Node]; let shanghaitech_points: Int }
    indirect enum Node: Decodable {
        case numeric([Int], [Double]), char(String), cell([Int], [Node]), structure([Int], [[String: Node]])
        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: Key.self)
            if var n = try? c.nestedUnkeyedContainer(forKey: .numeric) { self = .numeric(try n.decode([Int].self), try n.decode([Double].self)) }
            else if let s = try? c.decode(String.self, forKey: .char) { self = .char(s) }
            else if var n = try? c.nestedUnkeyedContainer(forKey: .cell) { self = .cell(try n.decode([Int].self), try n.decode([Node].self)) }
            else { var n = try c.nestedUnkeyedContainer(forKey: .struct); self = .structure(try n.decode([Int].self), try n.decode([[String: Node]].self)) }
        }
        enum Key: String, CodingKey { case numeric, char, cell, `struct` }
        var value: MATValue {
            switch self {
            case let .numeric(s, v): return .numeric(shape: s, values: v)
            case let .char(s): return .char(s)
            case let .cell(s, items): return .cell(shape: s, items: items.map(\.value))
            case let .structure(s, els): return .structure(shape: s, elements: els.map { $0.mapValues(\.value) })
            }
        }
    }

    func testValuesMatchScipyCompressedAndRaw() throws {
        let expected = try JSONDecoder().decode(Expected.self, from: try Fixtures.data("datasets/mat/expected.json"))
        for file in ["values-raw.mat", "values-z.mat"] {
            let mat = try MATFile(path: Fixtures.path("datasets/mat/\(file)"))
            for (name, node) in expected.values {
                XCTAssertEqual(mat[name], node.value, "\(file): \(name)")
            }
        }
    }

    func testShanghaiTechNesting() throws {
        let expected = try JSONDecoder().decode(Expected.self, from: try Fixtures.data("datasets/mat/expected.json"))
        let mat = try MATFile(path: Fixtures.path("datasets/mat/shanghaitech-gt.mat"))
        let location = mat["image_info"]?.find(field: "location")
        XCTAssertEqual(location?.shape, [expected.shanghaitech_points, 2])
        XCTAssertEqual(mat["image_info"]?.find(field: "number")?.numbers, [Double(expected.shanghaitech_points)])
    }

    func testRealShanghaiTechFilesFromShared() throws {
        guard let root = Fixtures.miniCrowd else { throw XCTSkip("../shared/data/mini-crowd not present") }
        let samples = try DatasetReader.samples(kind: .shanghaitech, root: root.path, split: "test")
        XCTAssertEqual(samples.count, 8)
        for s in samples {
            let mat = try MATFile(path: root.appendingPathComponent("test_data/ground-truth/GT_\(DatasetReader.stem(s.imagePath)).mat").path)
            XCTAssertEqual(mat["image_info"]?.find(field: "number")?.numbers?.first, s.groundTruth, s.imagePath)
            XCTAssertGreaterThan(s.groundTruth ?? 0, 0)
        }
    }

    func testDamagedFilesFailCleanly() throws {
        let original = [UInt8](try Fixtures.data("datasets/mat/values-z.mat"))
        XCTAssertThrowsError(try MATFile(data: Data(original.prefix(100)), name: "short.mat")) { XCTAssertTrue("\($0)".contains("short.mat")) }
        XCTAssertThrowsError(try MATFile(data: Data(Array("MATLAB 7.3 MAT-file".utf8) + [UInt8](repeating: 0, count: 200)), name: "h5.mat")) {
            XCTAssertTrue("\($0)".contains("v7.3"), "\($0)")
        }
        var rng = SplitMix(seed: 3)
        for file in ["values-z.mat", "values-raw.mat"] {
            let bytes = [UInt8](try Fixtures.data("datasets/mat/\(file)"))
            for trial in 0..<150 {
                var b = bytes
                if trial % 2 == 0 { b = Array(b.prefix(128 + Int(rng.next() % UInt64(b.count - 128)))) }
                else { for _ in 0..<3 { b[128 + Int(rng.next() % UInt64(b.count - 128))] = UInt8(truncatingIfNeeded: rng.next()) } }
                _ = try? MATFile(data: Data(b), name: "\(file)#\(trial)")
            }
        }
    }
}

final class DatasetReaderTests: XCTestCase {
    func root(_ name: String) -> String { Fixtures.path("datasets/trees/\(name)") }
    func names(_ s: [DatasetSample]) -> [String] { s.map { ($0.imagePath as NSString).lastPathComponent } }

    func testShanghaiTech() throws {
        let s = try DatasetReader.samples(kind: .shanghaitech, root: root("shanghaitech"), split: "test")
        XCTAssertEqual(names(s), ["IMG_1.jpg", "IMG_2.jpg", "IMG_10.jpg"])
        XCTAssertEqual(s.map(\.groundTruth), [3, 6, 30])
        XCTAssertEqual(try DatasetReader.samples(kind: .shanghaitech, root: root("shanghaitech"), split: "train").count, 2)
    }

    func testQNRFCarriesTheLongSideLimit() throws {
        let s = try DatasetReader.samples(kind: .qnrf, root: root("qnrf"), split: "train")
        XCTAssertEqual(s.map(\.groundTruth), [4, 8])
        XCTAssertEqual(s.first?.maxLongSide, 2048)
    }

    func testUCF50Folds() throws {
        XCTAssertEqual(try DatasetReader.samples(kind: .ucf50, root: root("ucf50")).count, 12)
        let fold2 = try DatasetReader.samples(kind: .ucf50, root: root("ucf50"), fold: 2)
        XCTAssertEqual(names(fold2), ["11.jpg", "12.jpg"])
        XCTAssertEqual(fold2.map(\.groundTruth), [110, 120])
    }

    func testJHUAndNWPU() throws {
        XCTAssertEqual(try DatasetReader.samples(kind: .jhu, root: root("jhu"), split: "val").map(\.groundTruth), [4, 6])
        XCTAssertEqual(try DatasetReader.samples(kind: .nwpu, root: root("nwpu"), split: "train").map(\.groundTruth), [1, 7])
        let test = try DatasetReader.samples(kind: .nwpu, root: root("nwpu"), split: "test")
        XCTAssertEqual(test.count, 1)
        XCTAssertNil(test[0].groundTruth, "NWPU test labels are not public")
    }

    func testListFile() throws {
        let s = try DatasetReader.samples(kind: .list, root: root("list/counts.txt"))
        XCTAssertEqual(names(s), ["a.jpg", "b c.jpg"])
        XCTAssertEqual(s.map(\.groundTruth), [12, 30.5])
    }

    func testErrorsNameWhatIsWrong() {
        XCTAssertThrowsError(try DatasetReader.samples(kind: .shanghaitech, root: root("shanghaitech"), split: "val")) {
            XCTAssertTrue("\($0)".contains("train, test"), "\($0)")
        }
        XCTAssertThrowsError(try DatasetReader.samples(kind: .jhu, root: "/nonexistent", split: "test")) {
            XCTAssertTrue("\($0)".contains("/nonexistent"))
        }
    }

    func testMetricsAsTheLiteratureReportsThem() {
        var m = CountingMetrics()
        m.add(predicted: 10, groundTruth: 13)
        m.add(predicted: 20, groundTruth: 16)
        XCTAssertEqual(m.mae, 3.5)
        XCTAssertEqual(m.mse, (12.5 as Double).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(m.count, 2)
    }
}
