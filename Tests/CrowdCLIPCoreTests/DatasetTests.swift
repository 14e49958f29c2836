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

    /// The `reason` of a `MATFile.FormatError.invalid` naming `file`, or a failure and nil for any other error.
    func invalidReason(_ error: Error, file: String, line: UInt = #line) -> String? {
        guard let error = error as? MATFile.FormatError else {
            XCTFail("\(file): threw \(type(of: error)), not a MATFile.FormatError: \(error)", line: line)
            return nil
        }
        guard case let .invalid(named, reason) = error else { return nil }
        XCTAssertEqual(named, file, "\(error)", line: line)
        XCTAssertTrue("\(error)".hasPrefix("\(file): not a readable MAT-file: "), "\(error)", line: line)
        XCTAssertFalse(reason.isEmpty, "\(error)", line: line)
        return reason
    }

    /// A short file and an HDF5 (v7.3) file are refused by name. Truncated copies and copies with bytes flipped
    /// after the header throw `FormatError.invalid` naming the copy, or still load: a cut that falls between two
    /// variables keeps the ones before it, unchanged; a flip inside stored numbers or padding keeps every variable's shape, one in a name or element
    /// tag renames or hides that variable.
    func testDamagedFilesFailCleanly() throws {
        let original = [UInt8](try Fixtures.data("datasets/mat/values-z.mat"))
        XCTAssertThrowsError(try MATFile(data: Data(original.prefix(100)), name: "short.mat")) {
            XCTAssertEqual(self.invalidReason($0, file: "short.mat"), "shorter than the 128-byte header")
        }
        XCTAssertThrowsError(try MATFile(data: Data(Array("MATLAB 7.3 MAT-file".utf8) + [UInt8](repeating: 0, count: 200)), name: "h5.mat")) {
            XCTAssertTrue(self.invalidReason($0, file: "h5.mat")?.contains("v7.3") == true, "\($0)")
        }
        var rng = SplitMix(seed: 3)
        for file in ["values-z.mat", "values-raw.mat"] {
            let bytes = [UInt8](try Fixtures.data("datasets/mat/\(file)"))
            let intact = try MATFile(data: Data(bytes), name: file).variables
            var outcomes: [String: Int] = [:]
            for trial in 0..<150 {
                var b = bytes
                let truncated = trial % 2 == 0
                if truncated { b = Array(b.prefix(128 + Int(rng.next() % UInt64(b.count - 128)))) }
                else { for _ in 0..<3 { b[128 + Int(rng.next() % UInt64(b.count - 128))] = UInt8(truncatingIfNeeded: rng.next()) } }
                let name = "\(file)#\(trial)"
                do {
                    let loaded = try MATFile(data: Data(b), name: name).variables
                    if truncated {
                        XCTAssertTrue(loaded.allSatisfy { intact[$0.key] == $0.value }, "\(name): a cut copy loaded changed variables")
                        XCTAssertLessThan(loaded.count, intact.count, "\(name): a cut copy loaded every variable")
                        outcomes["cut: loaded a prefix", default: 0] += 1
                    } else {
                        // Each of the 3 flips may rename a variable (a byte of its name) or hide it (its element tag no
                        // longer says matrix, so it is skipped as non-variable data); every other variable keeps its shape.
                        let missing = Set(intact.keys).subtracting(loaded.keys), renamed = Set(loaded.keys).subtracting(intact.keys)
                        XCTAssertLessThanOrEqual(missing.count, 3, "\(name): a flipped copy lost \(missing)")
                        XCTAssertTrue(renamed.allSatisfy { new in missing.contains { $0.count == new.count } },
                                      "\(name): \(renamed) are not renamed originals of \(missing)")
                        for (variable, value) in loaded where intact[variable] != nil {
                            XCTAssertEqual(value.shape, intact[variable]?.shape, "\(name): \(variable) changed shape")
                        }
                        outcomes[missing.isEmpty ? "flip: loaded" : "flip: loaded, variables renamed or hidden", default: 0] += 1
                    }
                } catch {
                    if invalidReason(error, file: name) != nil { outcomes[truncated ? "cut: invalid" : "flip: invalid", default: 0] += 1 }
                }
            }
            print("damage outcomes for \(file): \(outcomes.sorted { $0.key < $1.key })")
            XCTAssertGreaterThan(outcomes["cut: invalid", default: 0], 0, "\(file): \(outcomes)")
            XCTAssertGreaterThan(outcomes["flip: invalid", default: 0], 0, "\(file): \(outcomes)")
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

    /// A damaged annotation is a DatasetError naming it (exit 5), not the MAT reader's own error type.
    func testAnUnreadableAnnotationIsADatasetError() throws {
        let copy = NSTemporaryDirectory() + "crowdclip-bad-mat-\(getpid())"
        try? FileManager.default.removeItem(atPath: copy)
        try FileManager.default.copyItem(atPath: root("shanghaitech"), toPath: copy)
        let mat = copy + "/test_data/ground-truth/GT_IMG_2.mat"
        try Data("MATLAB, but no".utf8).write(to: URL(fileURLWithPath: mat))
        XCTAssertThrowsError(try DatasetReader.samples(kind: .shanghaitech, root: copy, split: "test")) {
            guard case let .badAnnotation(file, reason)? = $0 as? DatasetError else { return XCTFail("\(type(of: $0)): \($0)") }
            XCTAssertEqual(file, mat)
            XCTAssertTrue(reason.hasPrefix("not a readable MAT-file: "), reason)
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
