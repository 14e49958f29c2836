import Foundation
import XCTest
@testable import CrowdCLIPCore

/// Shard assignment: the stable hash against its published vectors and an independent Python transcription,
/// disjointness and coverage, stability, keys, and `--shard` / `--shard auto` parsing.
final class ShardingTests: XCTestCase {
    /// Test vectors of the FNV reference code (IETF draft-eastlake-fnv, fnv_test_str: 64-bit FNV-1a).
    func testFNV1a64MatchesThePublishedVectors() {
        XCTAssertEqual(ShardKey.fnv1a64(""), 0xcbf2_9ce4_8422_2325)
        XCTAssertEqual(ShardKey.fnv1a64("a"), 0xaf63_dc4c_8601_ec8c)
        XCTAssertEqual(ShardKey.fnv1a64("foobar"), 0x8594_4171_f739_67e8)
    }

    /// Tools/gen_80_sharding.py computes the hash, the mix and the shard for several N in Python.
    func testAssignmentsMatchThePythonTranscription() throws {
        let text = String(decoding: try Fixtures.data("sharding/assignments.tsv"), as: UTF8.self)
        var rows = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        let header = rows.removeFirst()
        rows.removeAll { $0 == [""] }
        let counts = header.dropFirst(3).map { Int($0.dropFirst("shard_of_".count))! }
        XCTAssertEqual(rows.count, 75)
        for row in rows {
            let key = row[0]
            XCTAssertEqual(String(ShardKey.fnv1a64(key), radix: 16).leftPadded16, row[1], key)
            XCTAssertEqual(String(ShardKey.mix(ShardKey.fnv1a64(key)), radix: 16).leftPadded16, row[2], key)
            for (n, expected) in zip(counts, row.dropFirst(3)) {
                XCTAssertEqual(ShardKey.shard(of: key, count: n), Int(expected), "\(key) of \(n)")
            }
        }
    }

    private let batch = (0..<2000).map { "cam\($0 % 7)/frame_\($0).jpg" }

    func testShardsAreDisjointAndTheirUnionIsTheBatch() throws {
        for n in 1...9 {
            let shards = try (0..<n).map { try ShardSpec(index: $0, count: n).select(batch) { $0 } }
            XCTAssertEqual(shards.map(\.count).reduce(0, +), batch.count, "N=\(n): every image once")
            XCTAssertEqual(Set(shards.joined()), Set(batch), "N=\(n)")
            // Each shard keeps the batch's order.
            for shard in shards { XCTAssertEqual(shard, batch.filter(Set(shard).contains)) }
        }
    }

    func testShardsAreBalanced() throws {
        for n in [2, 4, 8, 16] {
            let sizes = try (0..<n).map { try ShardSpec(index: $0, count: n).select(batch) { $0 }.count }
            let mean = Double(batch.count) / Double(n)
            XCTAssertLessThan(sizes.map { abs(Double($0) - mean) / mean }.max()!, 0.25, "N=\(n): \(sizes)")
        }
    }

    /// An image's shard depends on its own key only: adding files to the batch moves none of the others.
    func testAddingImagesMovesNoOther() throws {
        let first = Array(batch.prefix(700)), grown = batch.shuffled()
        for i in 0..<5 {
            let spec = try ShardSpec(index: i, count: 5)
            XCTAssertEqual(Set(spec.select(first) { $0 }), Set(spec.select(grown) { $0 }).intersection(first))
        }
    }

    func testTheKeyIsThePathRelativeToTheArgument() {
        XCTAssertEqual(ShardKey.key(image: "/mnt/a/photos/day1/IMG_1.jpg", argument: "/mnt/a/photos"), "day1/IMG_1.jpg")
        XCTAssertEqual(ShardKey.key(image: "photos/day1/IMG_1.jpg", argument: "photos/"), "day1/IMG_1.jpg")
        XCTAssertEqual(ShardKey.key(image: "./photos/IMG_1.jpg", argument: "photos"), "IMG_1.jpg")
        XCTAssertEqual(ShardKey.key(image: "IMG_1.jpg", argument: "."), "IMG_1.jpg")
        // A file given directly is keyed by its name, wherever it is mounted.
        XCTAssertEqual(ShardKey.key(image: "/data/x/IMG_7.jpg", argument: "/data/x/IMG_7.jpg"), "IMG_7.jpg")
        XCTAssertEqual(ShardKey.key(image: "other/IMG_7.jpg", argument: "other/IMG_7.jpg"), "IMG_7.jpg")
    }

    /// With several arguments an image is keyed under the longest one above it, so nested arguments agree too.
    func testSeveralArgumentsKeyUnderTheLongestFolderAbove() {
        let keyer = ShardKey.Keyer(arguments: ["/data", "/data/frames/", "extra/IMG_9.jpg"])
        XCTAssertEqual(keyer.key("/data/frames/cam1/a.jpg"), "cam1/a.jpg")
        XCTAssertEqual(keyer.key("/data/other/b.jpg"), "other/b.jpg")
        XCTAssertEqual(keyer.key("extra/IMG_9.jpg"), "IMG_9.jpg")
        XCTAssertEqual(ShardKey.Keyer(arguments: ["/mnt/x/data", "/mnt/x/data/frames"]).key("/mnt/x/data/frames/cam1/a.jpg"), "cam1/a.jpg")
    }

    func testExplicitSpecs() throws {
        XCTAssertEqual(try ShardSpec.parse("0/4", environment: [:]), try ShardSpec(index: 0, count: 4))
        XCTAssertEqual(try ShardSpec.parse("3/4", environment: [:]).description, "3/4")
        XCTAssertThrowsError(try ShardSpec.parse("4/4", environment: [:])) { XCTAssertEqual($0 as? ShardError, .indexOutOfRange(index: 4, count: 4)) }
        XCTAssertThrowsError(try ShardSpec.parse("-1/4", environment: [:])) { XCTAssertEqual($0 as? ShardError, .indexOutOfRange(index: -1, count: 4)) }
        XCTAssertThrowsError(try ShardSpec.parse("0/0", environment: [:])) { XCTAssertEqual($0 as? ShardError, .badCount(0)) }
        for bad in ["", "1", "1/2/3", "a/4", "1/", " 1/4"] {
            XCTAssertThrowsError(try ShardSpec.parse(bad, environment: [:])) { XCTAssertEqual($0 as? ShardError, .badSpec(bad)) }
        }
        XCTAssertThrowsError(try ShardSpec.parse("1/4", shards: 4, environment: [:])) { XCTAssertEqual($0 as? ShardError, .shardsWithoutAuto) }
    }

    func testAutoReadsASlurmArray() throws {
        XCTAssertEqual(try ShardSpec.parse("auto", environment: ["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "4"]).description, "2/4")
        // An array numbered from 1: index = ID − MIN.
        XCTAssertEqual(try ShardSpec.parse("auto", environment: ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "4"]).description, "2/4")
        let all = ["SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "3"]
        XCTAssertEqual(try ShardSpec.parse("auto", environment: all).description, "0/4")
        XCTAssertEqual(try ShardSpec.parse("auto", shards: 4, environment: all).description, "0/4")
        XCTAssertThrowsError(try ShardSpec.parse("auto", shards: 5, environment: all)) {
            XCTAssertEqual($0 as? ShardError, .shardsDisagree(shards: 5, environment: 4, variable: "SLURM_ARRAY_TASK_COUNT"))
        }
        // --array=0-12:4 gives 4 tasks with IDs 0, 4, 8, 12.
        XCTAssertThrowsError(try ShardSpec.parse("auto", environment: ["SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "12"])) {
            XCTAssertEqual($0 as? ShardError, .slurmArrayWithGaps(count: 4, min: 0, max: 12))
        }
        XCTAssertThrowsError(try ShardSpec.parse("auto", environment: ["SLURM_ARRAY_TASK_ID": "1"])) { XCTAssertEqual($0 as? ShardError, .incompleteSlurm) }
        XCTAssertThrowsError(try ShardSpec.parse("auto", environment: ["SLURM_ARRAY_TASK_ID": "x", "SLURM_ARRAY_TASK_COUNT": "4"])) {
            XCTAssertEqual($0 as? ShardError, .badVariable(name: "SLURM_ARRAY_TASK_ID", value: "x"))
        }
        XCTAssertThrowsError(try ShardSpec.parse("auto", environment: ["SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_COUNT": "4"])) {
            XCTAssertEqual($0 as? ShardError, .indexOutOfRange(index: 4, count: 4))
        }
    }

    func testAutoReadsAKubernetesIndexedJob() throws {
        XCTAssertEqual(try ShardSpec.parse("auto", shards: 8, environment: ["JOB_COMPLETION_INDEX": "7"]).description, "7/8")
        XCTAssertThrowsError(try ShardSpec.parse("auto", environment: ["JOB_COMPLETION_INDEX": "7"])) { XCTAssertEqual($0 as? ShardError, .completionIndexWithoutShards) }
        XCTAssertThrowsError(try ShardSpec.parse("auto", shards: 8, environment: ["JOB_COMPLETION_INDEX": "8"])) {
            XCTAssertEqual($0 as? ShardError, .indexOutOfRange(index: 8, count: 8))
        }
        // Slurm wins where both are set.
        XCTAssertEqual(try ShardSpec.parse("auto", environment: ["JOB_COMPLETION_INDEX": "7", "SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "2"]).description, "1/2")
    }

    func testAutoWithNeitherNamesTheVariables() {
        XCTAssertThrowsError(try ShardSpec.parse("auto", shards: 3, environment: ["HOME": "/root"])) { error in
            XCTAssertEqual(error as? ShardError, .noEnvironment)
            let message = "\(error)"
            for name in ["SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_MAX", "JOB_COMPLETION_INDEX", "--shards"] {
                XCTAssertTrue(message.contains(name), name)
            }
        }
    }
}

private extension String {
    var leftPadded16: String { String(repeating: "0", count: max(0, 16 - count)) + self }
}
