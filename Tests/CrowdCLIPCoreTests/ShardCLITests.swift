import Foundation
import XCTest

/// `count --shard`, `eval --shard` and `merge` as a user runs them: shards of a batch give a single run's records,
/// every image once, and `--shard auto` picks the same shard from Slurm's or Kubernetes' variables.
final class ShardCLITests: XCTestCase {
    private var dir = ""
    private var models: [String] {
        ["--weights", Fixtures.path("models/tiny-p16.safetensors"), "--head-width", "8",
         "--counter-weights", Fixtures.path("counting/counter-visual.safetensors")]
    }

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "crowdclip-shard-cli-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir + "/photos", withIntermediateDirectories: true)
        // Eleven images under two names each, and one broken file.
        var n = 0
        for f in ["counting/scene-0.png", "counting/scene-1.png", "counting/scene-2.png", "counting/scene-3.png"]
            + (1...7).map({ "datasets/trees/ucf50/\($0).jpg" }) {
            n += 1
            try FileManager.default.copyItem(atPath: Fixtures.path(f), toPath: dir + "/photos/IMG_\(n)." + (f as NSString).pathExtension)
        }
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: dir + "/photos/IMG_12.jpg"))
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    @discardableResult
    private func run(_ arguments: [String], environment: [String: String] = [:]) throws -> CrowdCLIPProcess.Output {
        // Tests may themselves run inside a Slurm or Kubernetes job: only the variables given here count.
        try CrowdCLIPProcess.run(arguments, in: dir, environment: CrowdCLIPProcess.environmentWithoutScheduler.merging(environment) { $1 })
    }

    private func text(_ name: String) throws -> String { String(decoding: try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name)), as: UTF8.self) }

    private func lines(_ name: String) throws -> [String] { try text(name).split(separator: "\n").map(String.init) }

    private func image(_ line: String) throws -> String {
        try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["image"] as? String)
    }

    /// Each image's record in a shard is the single run's, shards are disjoint, their union is the batch, and the
    /// merge is byte for byte the single run's output.
    func testShardsOfACountGiveTheSingleRunsRecords() throws {
        XCTAssertEqual(try run(["count"] + models + ["--format", "jsonl", "-o", "single.jsonl", "photos"]).status, 1)
        let single = try lines("single.jsonl")
        XCTAssertEqual(single.count, 12)
        var seen: [String] = []
        for i in 0..<3 {
            let r = try run(["count"] + models + ["--shard", "\(i)/3", "--format", "jsonl", "-o", "s\(i).jsonl", "photos/"])
            let shard = try lines("s\(i).jsonl")
            XCTAssertFalse(shard.isEmpty, "shard \(i) of 3 is empty: the test would prove little")
            for line in shard { XCTAssertTrue(single.contains(line), "shard \(i): \(line) is not the single run's record") }
            XCTAssertEqual(r.status, shard.contains { $0.contains("\"error\"") } ? 1 : 0, r.err)
            seen += try shard.map(image)
        }
        XCTAssertEqual(seen.sorted(), try single.map(image).sorted(), "every image in exactly one shard")

        let merged = try run(["merge", "--inputs", "photos", "-o", "merged.jsonl", "s0.jsonl", "s1.jsonl", "s2.jsonl"])
        XCTAssertEqual(merged.status, 1, "one image failed")
        XCTAssertTrue(merged.err.contains("1 image(s) failed"), merged.err)
        XCTAssertEqual(try text("merged.jsonl"), try text("single.jsonl"))
        XCTAssertTrue(merged.out.contains("images 12"), merged.out)
    }

    /// A lost shard is listed; a shard counted twice is listed as duplicated.
    func testMergeListsMissingAndDuplicatedImages() throws {
        for i in 0..<2 { try run(["count"] + models + ["--shard", "\(i)/2", "--format", "jsonl", "-o", "s\(i).jsonl", "photos"]) }
        let lost = try run(["merge", "--inputs", "photos", "-o", "m.jsonl", "--", "s0.jsonl"])
        XCTAssertEqual(lost.status, 1)
        for line in try lines("s1.jsonl") { XCTAssertTrue(lost.err.contains("missing: photos/" + (try image(line) as NSString).lastPathComponent), lost.err) }
        try FileManager.default.copyItem(atPath: dir + "/s0.jsonl", toPath: dir + "/s0-again.jsonl")
        let twice = try run(["merge", "--inputs", "photos", "-o", "m.jsonl", "--", "s0.jsonl", "s1.jsonl", "s0-again.jsonl"])
        XCTAssertEqual(twice.status, 1)
        XCTAssertEqual(twice.err.components(separatedBy: "duplicated: ").count - 1, try lines("s0.jsonl").count, twice.err)
        XCTAssertFalse(twice.err.contains("missing:"), twice.err)
    }

    /// Slurm's and Kubernetes' variables pick the same shard as --shard I/N, and resume continues a shard.
    func testAutoAndResumeWorkPerShard() throws {
        XCTAssertLessThanOrEqual(try run(["count"] + models + ["--shard", "1/3", "--format", "jsonl", "-o", "explicit.jsonl", "photos"]).status, 1)
        let expected = try text("explicit.jsonl")
        XCTAssertGreaterThan(try lines("explicit.jsonl").count, 1)
        try run(["count"] + models + ["--shard", "auto", "--format", "jsonl", "-o", "slurm.jsonl", "photos"],
                environment: ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "3"])
        XCTAssertEqual(try text("slurm.jsonl"), expected)
        try run(["count"] + models + ["--shard", "auto", "--shards", "3", "--format", "jsonl", "-o", "k8s.jsonl", "photos"],
                environment: ["JOB_COMPLETION_INDEX": "1"])
        XCTAssertEqual(try text("k8s.jsonl"), expected)

        // A task killed while writing its second record: the requeued task resumes its own shard file.
        let first = try lines("explicit.jsonl")[0], second = try lines("explicit.jsonl")[1]
        try Data((first + "\n" + second.prefix(second.count / 2)).utf8).write(to: URL(fileURLWithPath: dir + "/requeued.jsonl"))
        let resumed = try run(["count"] + models + ["--shard", "auto", "--resume", "--format", "jsonl", "-o", "requeued.jsonl", "photos"],
                              environment: ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "3"])
        XCTAssertTrue(resumed.err.contains("skipped 1 image"), resumed.err)
        XCTAssertEqual(try text("requeued.jsonl"), expected)

        let none = try run(["count"] + models + ["--shard", "auto", "photos"])
        XCTAssertNotEqual(none.status, 0)
        XCTAssertTrue(none.err.contains("SLURM_ARRAY_TASK_ID") && none.err.contains("JOB_COMPLETION_INDEX"), none.err)
        let bad = try run(["count"] + models + ["--shard", "3/3", "photos"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("outside 0…2"), bad.err)
    }

    /// Eval shards merge to the single evaluation's CSV, with its MAE and MSE.
    func testEvalShardsMergeToTheSingleEvaluation() throws {
        let root = Fixtures.path("datasets/trees/ucf50")
        let whole = try run(["eval"] + models + ["--dataset", "ucf50", "--root", root, "-o", "eval.csv", "--format", "json"])
        XCTAssertEqual(whole.status, 0, whole.err)
        for i in 0..<2 {
            XCTAssertEqual(try run(["eval"] + models + ["--dataset", "ucf50", "--root", root, "--shard", "\(i)/2", "-o", "e\(i).csv"]).status, 0)
            XCTAssertGreaterThan(try lines("e\(i).csv").count, 1)
        }
        let merged = try run(["merge", "--format", "json", "-o", "merged.csv", "e1.csv", "e0.csv"])
        XCTAssertEqual(merged.status, 0, merged.err)
        XCTAssertEqual(try text("merged.csv"), try text("eval.csv"))
        let a = try JSONSerialization.jsonObject(with: Data(whole.out.utf8)) as? [String: Any]
        let b = try JSONSerialization.jsonObject(with: Data(merged.out.utf8)) as? [String: Any]
        for key in ["images", "mae", "mse"] { XCTAssertEqual(a?[key] as? Double, b?[key] as? Double, key) }
        XCTAssertEqual(a?["images"] as? Double, 12)

        let text = try run(["merge", "-o", "merged.csv", "e0.csv", "e1.csv"])
        XCTAssertTrue(text.out.contains(String(format: "MAE %.2f  MSE %.2f", a?["mae"] as? Double ?? 0, a?["mse"] as? Double ?? 0)), text.out)
    }

    func testMergeRefusesMixedShardsAndItsOwnInput() throws {
        try run(["count"] + models + ["--shard", "0/2", "--format", "jsonl", "-o", "s0.jsonl", "photos"])
        try run(["count"] + models + ["--shard", "1/2", "--format", "csv", "-o", "s1.csv", "photos"])
        let mixed = try run(["merge", "-o", "m.jsonl", "s0.jsonl", "s1.csv"])
        XCTAssertEqual(mixed.status, 2)
        XCTAssertTrue(mixed.err.contains("s0.jsonl") && mixed.err.contains("s1.csv") && mixed.err.contains("shards differ"), mixed.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/m.jsonl"))
        let before = try text("s0.jsonl")
        let own = try run(["merge", "-o", "s0.jsonl", "s0.jsonl"])
        XCTAssertEqual(own.status, 4)
        XCTAssertEqual(try text("s0.jsonl"), before)
        // Shards that cannot be merged exit 2 with the reason and no usage (README, `merge --help`).
        let missing = try run(["merge", "-o", "m.jsonl", "s0.jsonl", "gone.jsonl"])
        XCTAssertEqual(missing.status, 2, missing.err)
        XCTAssertTrue(missing.err.contains("gone.jsonl: no such file") && !missing.err.lowercased().contains("usage"), missing.err)
    }
}
