import Foundation
import XCTest
@testable import CrowdCLIPCore

/// The `crowdclip` executable as a user runs it: output format, error records and exit status.
final class CLITests: XCTestCase {
    func run(_ arguments: [String], in directory: String? = nil) throws -> CrowdCLIPProcess.Output {
        try CrowdCLIPProcess.run(arguments, in: directory)
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
        XCTAssertEqual(r.status, 3, r.err)
        XCTAssertTrue(r.err.contains("make weights") && r.err.contains("--weights PATH") && r.err.contains("CROWDCLIP_WEIGHTS"), r.err)
        // The library's own message names no CLI flag or make target: the CLI adds those.
        XCTAssertThrowsError(try DefaultWeights.locate()) {
            guard case let .notFound(searched)? = $0 as? WeightError else { return XCTFail("\(type(of: $0)): \($0)") }
            XCTAssertTrue(searched.contains { $0.hasPrefix("$CROWDCLIP_WEIGHTS") }, "\(searched)")
            XCTAssertFalse("\($0)".contains("--weights") || "\($0)".contains("make weights"), "\($0)")
        }
    }

    static let tiny = ["--weights", Fixtures.path("models/tiny-p16.safetensors"), "--head-width", "8",
                       "--counter-weights", Fixtures.path("counting/counter-visual.safetensors")]

    /// A folder with two images and a broken file.
    func photos(_ name: String) throws -> String {
        let dir = NSTemporaryDirectory() + "crowdclip-cli-\(getpid())-\(name)"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir + "/photos", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixtures.path("counting/scene-1.png"), toPath: dir + "/photos/a.png")
        try FileManager.default.copyItem(atPath: Fixtures.path("counting/scene-2.png"), toPath: dir + "/photos/c.png")
        try Data("nope".utf8).write(to: URL(fileURLWithPath: dir + "/photos/b.png"))
        return dir
    }

    func testUsageErrorsExitTwoWithTheRealMessage() throws {
        for (args, message) in [(["--grid", "-1"], "--grid must be between 1 and 64 (got -1)"),
                                (["--counts", "20,10"], "--counts must be strictly increasing"),
                                (["--counts", "0,10"], "--counts must be positive"),
                                (["--counts", "20,x"], "--counts must be integers"),
                                (["--count-template", "no braces"], "--count-template must contain {}"),
                                (["--heads-classes", "a,,b"], "--heads-classes has an empty item"),
                                (["-o", "counts.xyz"], ".csv, .jsonl or .json, .txt or .tsv")] {
            let r = try run(["count"] + Self.tiny + args + ["x.png"])
            XCTAssertEqual(r.status, 2, "\(args): \(r.err)")
            XCTAssertTrue(r.err.contains(message), "\(args): \(r.err)")
        }
        let r = try run(["train", "--images", "x", "--output", "y", "--milestones", "abc"])
        XCTAssertEqual(r.status, 2, r.err)
        XCTAssertTrue(r.err.contains("--milestones must be integers"), r.err)
    }

    /// A split or fold the layout does not have is an argument mistake (2, with the usage), found before any file
    /// is read, not a dataset problem (5).
    func testABadSplitOrFoldIsAUsageError() throws {
        let root = Fixtures.path("datasets/trees/shanghaitech")
        for (args, message) in [(["eval", "--dataset", "shanghaitech", "--root", root, "--split", "val"], "--split val: shanghaitech has the split(s) train, test"),
                                (["eval", "--dataset", "shanghaitech", "--root", root, "--fold", "2"], "--fold is for --dataset ucf50 only"),
                                (["eval", "--dataset", "ucf50", "--root", root, "--fold", "6"], "--fold must be between 1 and 5"),
                                (["train", "--images", root, "--dataset", "shanghaitech", "--split", "tset", "--output", "y"], "--split tset"),
                                (["train", "--images", root, "--output", "y", "--val-dataset", "list", "--val-root", root], "--val-split val: list has the split(s) all")] {
            let r = try run(args)
            XCTAssertEqual(r.status, 2, "\(args): \(r.err)")
            XCTAssertTrue(r.err.contains(message) && r.err.contains("Usage"), "\(args): \(r.err)")
        }
    }

    func testHelpShowsTheExitStatusesAndTheREADMEOptions() throws {
        let root = try run(["--help"]), count = try run(["count", "--help"])
        XCTAssertEqual(count.status, 0)
        for status in ExitStatusDoc.lines { XCTAssertTrue(root.out.contains(status) && count.out.contains(status), status) }
        for option in ["--weights", "--head-width", "--counter-weights", "--grid", "--format", "--output", "--visualize",
                       "--resume", "--recursive", "--aggregation"] {
            XCTAssertTrue(count.out.contains(option), option)
        }
    }

    /// An output in a missing folder is reported before the weights load (the weights here do not exist either),
    /// with the system's reason and without usage text.
    func testAnUnwritableOutputIsFoundFirstAndNamed() throws {
        let dir = try photos("unwritable")
        let r = try run(["count", "--weights", dir + "/missing.pt", "-o", dir + "/no/such/counts.jsonl", dir + "/photos"])
        XCTAssertEqual(r.status, 4, r.err)
        XCTAssertTrue(r.err.contains("counts.jsonl: cannot write: No such file or directory"), r.err)
        XCTAssertFalse(r.err.contains("missing.pt") || r.err.lowercased().contains("usage"), r.err)
        let missingWeights = try run(["count", "--weights", dir + "/missing.pt", dir + "/photos"])
        XCTAssertEqual(missingWeights.status, 3, missingWeights.err)
    }

    func testAnOutputThatIsAnInputIsRefusedBeforeAnythingIsWritten() throws {
        let dir = try photos("victim")
        let before = try Data(contentsOf: URL(fileURLWithPath: dir + "/photos/a.png"))
        let r = try run(["count"] + Self.tiny + ["--format", "jsonl", "-o", "photos/a.png", "photos/a.png"], in: dir)
        XCTAssertEqual(r.status, 4, r.err)
        XCTAssertTrue(r.err.contains("refused as output"), r.err)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/photos/a.png")), before)
    }

    /// Relative first, absolute on resume: nothing is counted twice, the output holds one record per image, the
    /// CSV format comes from the extension, and a pipe gets no escape codes.
    func testResumeByAnotherSpellingCountsNothingTwice() throws {
        let dir = try photos("resume")
        let first = try run(["count"] + Self.tiny + ["-o", "counts.csv", "photos"], in: dir)
        XCTAssertEqual(first.status, 1, first.err)
        XCTAssertFalse(first.err.contains("\u{1B}"), "no escape codes on a pipe")
        let second = try run(["count"] + Self.tiny + ["-o", "counts.csv", "--resume", dir + "/photos/"], in: dir)
        XCTAssertEqual(second.status, 1, second.err)
        XCTAssertTrue(second.err.contains("skipped 2 image(s)"), second.err)
        let lines = try String(contentsOfFile: dir + "/counts.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.first, "image,path,count,selected_patches,error")
        XCTAssertEqual(lines.count, 4, "\(lines)")
        XCTAssertEqual(Set(lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false)[1] }).count, 3)
        let wrongFormat = try run(["count"] + Self.tiny + ["-o", "counts.csv", "--format", "jsonl", "--resume", "photos"], in: dir)
        XCTAssertEqual(wrongFormat.status, 4, wrongFormat.err)
        XCTAssertTrue(wrongFormat.err.contains("holds CSV, not jsonl"), wrongFormat.err)
    }

    /// The review's repro through the executable: a resumed CSV run keeps all three images and counts none twice.
    func testResumingACSVRunKeepsANameWithANewline() throws {
        let dir = NSTemporaryDirectory() + "crowdclip-cli-\(getpid())-newline"
        try? FileManager.default.removeItem(atPath: dir)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let photos = dir + "/p3"
        try FileManager.default.createDirectory(atPath: photos, withIntermediateDirectories: true)
        for (i, name) in ["a\nb.png", "c,d.png", "e.png"].enumerated() {
            try FileManager.default.copyItem(atPath: Fixtures.path("counting/scene-\(i).png"), toPath: photos + "/" + name)
        }
        let first = try run(["count"] + Self.tiny + ["-o", "nl.csv", "p3"], in: dir)
        XCTAssertEqual(first.status, 0, first.err)
        let before = try String(contentsOfFile: dir + "/nl.csv", encoding: .utf8)
        let again = try run(["count"] + Self.tiny + ["-o", "nl.csv", "--resume", "p3"], in: dir)
        XCTAssertEqual(again.status, 0, again.err)
        XCTAssertTrue(again.err.contains("skipped 3 image(s)"), again.err)
        XCTAssertEqual(try String(contentsOfFile: dir + "/nl.csv", encoding: .utf8), before)
        XCTAssertTrue(before.contains("\"p3/a\nb.png\","), before)
        XCTAssertEqual(before.split(separator: "\n").count, 6, "a header and three records, one over three lines: \(before)")
    }

    /// Exit 5 when not one input gave a result, as the exit table says; 1 stays "some results, some errors".
    func testCountAndEmbedThatDoNothingExitFive() throws {
        let dir = try photos("nothing")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/empty", withIntermediateDirectories: true)
        for inputs in [["nope/"], ["empty"], ["photos/b.png"], ["nope/", "photos/b.png"]] {
            let r = try run(["count"] + Self.tiny + inputs, in: dir)
            XCTAssertEqual(r.status, 5, "\(inputs): \(r.err)")
            XCTAssertFalse(r.err.isEmpty, "\(inputs): the reason is said")
        }
        XCTAssertEqual(try run(["count"] + Self.tiny + ["nope/", "photos/a.png"], in: dir).status, 1)
        XCTAssertEqual(try run(["embed", "image"] + Self.tiny.prefix(4) + ["photos/b.png"], in: dir).status, 5)
    }

    /// /proc counts no blocks: that is not a full disk. And --help says the whole default-weights lookup.
    func testAnOutputInProcIsNotCalledFullAndTheWeightsHelpSaysTheLookup() throws {
        let r = try run(["count"] + Self.tiny + ["-o", "/proc/crowdclip-x.csv", Fixtures.path("counting/scene-1.png")])
        XCTAssertEqual(r.status, 4, r.err)
        XCTAssertTrue(r.err.contains("/proc/crowdclip-x.csv"), r.err)
        XCTAssertFalse(r.err.contains("No space left"), r.err)
        let help = try run(["count", "--help"]).out.replacingOccurrences(of: "\n", with: " ")
            .replacingOccurrences(of: " +", with: " ", options: .regularExpression)
        for name in ["$CROWDCLIP_WEIGHTS", "ViT-B-16.pt", "clip-vit-base-patch16/", "vit_base_patch16_clip_224.openai.safetensors"] {
            XCTAssertTrue(help.contains(name), "\(name) missing from: \(help)")
        }
    }

    /// A child that writes more to stderr than a pipe holds (64 KB) before it closes stdout does not stall the
    /// helper: both pipes are read at once. Run on a watchdog so a regression fails instead of hanging.
    func testTheHelperReadsBothPipesAtOnce() throws {
        let finished = DispatchSemaphore(value: 0)
        // Unchecked: the thread writes `result` before it signals `finished`, and the test reads it only after.
        final class Box: @unchecked Sendable { var result: Result<CrowdCLIPProcess.Output, Error>? }
        let box = Box(), long = String(repeating: "x", count: 100_000)
        Thread {
            box.result = Result(catching: {
                try CrowdCLIPProcess.run(executable: URL(fileURLWithPath: "/bin/sh"),
                                         ["-c", "head -c 200000 /dev/zero | tr '\\0' e >&2; echo done"])
            })
            finished.signal()
        }.start()
        guard finished.wait(timeout: .now() + 60) == .success else { return XCTFail("the helper stalled on a full stderr pipe") }
        let r = try XCTUnwrap(box.result).get()
        XCTAssertEqual(r.out, "done\n")
        XCTAssertEqual(r.err.count, 200_000)
        // The same through crowdclip: a 100 KB input name is echoed in its error on stderr.
        let named = try run(["count"] + Self.tiny + ["nope/" + long])
        XCTAssertEqual(named.status, 5, String(named.err.prefix(200)))
        XCTAssertTrue(named.err.contains(long))
    }

    func testEmbedImageGoesOnPastABadFile() throws {
        let dir = try photos("embed")
        let r = try run(["embed", "image"] + Self.tiny.prefix(4) + [dir + "/photos/a.png", dir + "/photos/b.png", dir + "/photos/c.png"])
        XCTAssertEqual(r.status, 1, r.err)
        let lines = r.out.split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
        XCTAssertTrue(lines[0].hasPrefix("[") && lines[2].hasPrefix("["))
        XCTAssertTrue(lines[1].contains("\"error\": ") && lines[1].contains("b.png"), String(lines[1]))
    }

    /// A feature that is not a number prints as JSON null (not `nan`), so every line still parses.
    func testEmbedPrintsNaNFeaturesAsNull() throws {
        let dir = try photos("embed-nan")
        try NPYFile.write(Tensor(shape: [1, 3, 224, 224], values: .init(repeating: .nan, count: 3 * 224 * 224)), to: dir + "/nan.npy")
        let r = try run(["embed", "image"] + Self.tiny.prefix(4) + [dir + "/nan.npy"])
        XCTAssertEqual(r.status, 0, r.err)
        let row = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [Any]
        XCTAssertEqual(row?.count, 8)
        XCTAssertTrue(row?.allSatisfy { $0 is NSNull } ?? false, r.out)
    }

    /// Problems found once a command runs are domain errors with their documented status, not usage errors:
    /// nothing to resume or a damaged run (4), a validation split without labels (5).
    func testTrainingProblemsExitWithTheirDocumentedStatus() throws {
        let dir = try photos("train-status")
        try FileManager.default.removeItem(atPath: dir + "/photos/b.png")
        let args = ["train"] + Self.tiny.prefix(4) + ["--images", dir + "/photos", "--output", dir + "/run", "--max-steps", "1", "--no-augment"]
        let nothing = try run(args + ["--resume"])
        XCTAssertEqual(nothing.status, 4, nothing.err)
        XCTAssertTrue(nothing.err.contains(dir + "/run: nothing to resume") && !nothing.err.lowercased().contains("usage"), nothing.err)
        try Data("damaged".utf8).write(to: URL(fileURLWithPath: dir + "/run/state.json"))
        let damaged = try run(args + ["--resume"])
        XCTAssertEqual(damaged.status, 4, damaged.err)
        XCTAssertTrue(damaged.err.contains(dir + "/run/state.json: cannot resume"), damaged.err)
        try Data("photos/a.png\nphotos/c.png\n".utf8).write(to: URL(fileURLWithPath: dir + "/unlabelled.txt"))
        let unlabelled = try run(args + ["--force", "--val-dataset", "list", "--val-root", dir + "/unlabelled.txt", "--val-split", "all"])
        XCTAssertEqual(unlabelled.status, 5, unlabelled.err)
        XCTAssertTrue(unlabelled.err.contains(dir + "/unlabelled.txt: the all split has no labelled images"), unlabelled.err)
    }

    /// `similarity` takes one image: an .npy holding two is an input that does not fit (5, naming the file), not a
    /// usage error.
    func testSimilarityRefusesABatchAsAnInputProblem() throws {
        let dir = try photos("similarity-batch")
        try NPYFile.write(Tensor(zeros: [2, 3, 4, 4]), to: dir + "/two.npy")
        let r = try run(["similarity"] + Self.tiny.prefix(4) + ["--image", dir + "/two.npy", "a crowd"])
        XCTAssertEqual(r.status, 5, r.err)
        XCTAssertTrue(r.err.contains(dir + "/two.npy holds 2 images; give exactly one") && !r.err.lowercased().contains("usage"), r.err)
    }

    /// An .npy that is not an image array is the same input problem as one holding two images (5), and
    /// ImageInput throws it as a public EncoderError.
    func testSimilarityRefusesAnUnusableArrayAsAnInputProblem() throws {
        let dir = try photos("similarity-bad-npy")
        try Data("not numpy".utf8).write(to: URL(fileURLWithPath: dir + "/bad.npy"))
        XCTAssertThrowsError(try ImageInput.load(path: dir + "/bad.npy", preprocessing: .clip)) {
            guard case let .unusableArray(file, _)? = $0 as? EncoderError else { return XCTFail("\(type(of: $0)): \($0)") }
            XCTAssertEqual(file, dir + "/bad.npy")
        }
        let r = try run(["similarity"] + Self.tiny.prefix(4) + ["--image", dir + "/bad.npy", "a crowd"])
        XCTAssertEqual(r.status, 5, r.err)
        XCTAssertTrue(r.err.contains(dir + "/bad.npy: not a usable .npy image array: "), r.err)
    }

    func testTrainingThatTrainsNothingOrWouldMixRunsFails() throws {
        let dir = try photos("train")
        let args = ["train"] + Self.tiny.prefix(4) + ["--images", dir + "/photos", "--output", dir + "/run", "--max-steps", "1", "--no-augment"]
        try FileManager.default.removeItem(atPath: dir + "/photos/a.png")
        try FileManager.default.removeItem(atPath: dir + "/photos/c.png")
        let nothing = try run(args)
        XCTAssertEqual(nothing.status, 5, nothing.err)
        XCTAssertTrue(nothing.err.contains("no optimizer step was taken"), nothing.err)
        try FileManager.default.copyItem(atPath: Fixtures.path("training/picture.png"), toPath: dir + "/photos/a.png")
        try FileManager.default.removeItem(atPath: dir + "/photos/b.png")
        let again = try run(args)  // the failed run's log is an earlier run
        XCTAssertEqual(again.status, 4, again.err)
        XCTAssertTrue(again.err.contains("holds an earlier run") && again.err.contains("--force"), again.err)
        let forced = try run(args + ["--force"])
        XCTAssertEqual(forced.status, 0, forced.err)
        XCTAssertTrue(forced.out.contains("trained 1 step(s)"), forced.out)
    }
}

/// The exit-status lines `--help` must show (the README's table says the same).
enum ExitStatusDoc {
    static let lines = ["Exit status:", "  0  ", "  1  some inputs failed", "  2  invalid option", "  3  the weights", "  4  an output", "  5  nothing could be done"]
}
