import XCTest
@testable import CrowdCLIPCore

/// The training stage against PyTorch autograd and torch.optim (Tools/gen_50_training.py), plus finite
/// differences per parameter tensor.
final class TrainingTests: XCTestCase {
    struct Expected: Decodable {
        let loss: Float
        let logits: [[Float]]
        let texts: [[Float]]
        let trajectory_grads: [[Float]]
        let trajectories: [String: [[Float]]]
    }

    static let expected = try! JSONDecoder().decode(Expected.self, from: Fixtures.data("training/expected.json"))

    func setup() throws -> (VisionParameters, Tensor, Tensor) {
        let params = try VisionParameters(store: try WeightLoader.load(path: Fixtures.path("training/vision.safetensors")), headWidth: 8)
        var rng = SplitMix(seed: 1)
        let crops = try NestedCrops.batch(try ImageIO.decode(path: Fixtures.path("training/picture.png")), augment: false, rng: &rng)
        let texts = Tensor(shape: [6, 8], values: Self.expected.texts.flatMap { $0 })
        return (params, crops, texts)
    }

    func relativeError(_ a: Tensor, _ b: Tensor) -> Float {
        var diff: Float = 0, norm: Float = 0
        for i in 0..<a.count { diff += (a[flat: i] - b[flat: i]) * (a[flat: i] - b[flat: i]); norm += b[flat: i] * b[flat: i] }
        return (diff / max(norm, 1e-30)).squareRoot()
    }

    func testLossAndGradientsMatchPyTorch() throws {
        let (params, crops, texts) = try setup()
        let net = VisionBackprop(parameters: params, batch: 6)
        let result = RankingLoss.evaluate(features: net.forward(crops), texts: texts)
        XCTAssertEqual(result.loss, Self.expected.loss, accuracy: 1e-5 * abs(Self.expected.loss))  // achieved 1e-6
        for i in 0..<6 { for j in 0..<6 { XCTAssertEqual(result.logits[i][j], Self.expected.logits[i][j], accuracy: 3e-4) } }  // achieved 3e-5
        var logitError: Float = 0
        for i in 0..<6 { for j in 0..<6 { logitError = max(logitError, abs(result.logits[i][j] - Self.expected.logits[i][j])) } }
        print("training: loss relative error \(abs(result.loss - Self.expected.loss) / abs(Self.expected.loss)), logits \(logitError)")
        let grads = VisionParameters(zerosLike: params)
        net.backward(result.featureGradient, into: grads)
        let ref = try WeightLoader.load(path: Fixtures.path("training/gradients.safetensors"))
        var worst: Float = 0
        for (name, g) in zip(grads.names, grads.tensors) {
            let e = relativeError(g, try ref.tensor(name, shape: g.shape))
            worst = max(worst, e)
            XCTAssertLessThanOrEqual(e, 4e-5, name)  // achieved 3.7e-6
        }
        print("training: worst relative gradient error vs PyTorch = \(worst)")
    }

    func testOneStepOfEachOptimizerMatchesTorch() throws {
        for (kind, lr, wd) in [(OptimizerKind.radam, Float(1e-3), Float(0)), (.adamw, 1e-3, 0.01), (.sgd, 1e-2, 0)] {
            let (params, crops, texts) = try setup()
            let net = VisionBackprop(parameters: params, batch: 6)
            let grads = VisionParameters(zerosLike: params)
            net.backward(RankingLoss.evaluate(features: net.forward(crops), texts: texts).featureGradient, into: grads)
            var settings = OptimizerSettings()
            settings.kind = kind
            settings.weightDecay = wd
            Optimizer(settings: settings, like: params).update(params, gradients: grads, lr: lr)
            var worst: Float = 0
            let ref = try WeightLoader.load(path: Fixtures.path("training/step-\(kind.rawValue).safetensors"))
            let before = try WeightLoader.load(path: Fixtures.path("training/vision.safetensors"))
            for (name, p) in zip(params.names, params.tensors) {
                // Compare the updates (after − before), which is what the step computed.
                let r = try ref.tensor(name), b = try before.tensor(name)
                let ours = Tensor(zeros: p.shape), theirs = Tensor(zeros: p.shape)
                // Softmax ignores the key bias, so its true gradient is 0 and both sides hold rounding noise,
                // which Adam's normalisation blows up to ±lr: those entries are left out.
                let keyBias = name.hasSuffix("in_proj_bias") ? (p.count / 3)..<(2 * p.count / 3) : 0..<0
                for i in 0..<p.count where !keyBias.contains(i) {
                    ours[flat: i] = p[flat: i] - b[flat: i]; theirs[flat: i] = r[flat: i] - b[flat: i]
                }
                let e = relativeError(ours, theirs)
                worst = max(worst, e)
                XCTAssertLessThanOrEqual(e, 6e-5, "\(kind) \(name)")  // achieved 6e-6 (RAdam)
            }
            print("training: \(kind) step, worst relative update error = \(worst)")
        }
    }

    func testTrajectoriesOverTwelveSteps() throws {
        let settings: [String: (OptimizerKind, Float, Float)] = ["radam": (.radam, 1e-3, 0), "adamw": (.adamw, 1e-3, 0.01), "sgd": (.sgd, 1e-2, 0)]
        for (name, (kind, lr, wd)) in settings {
            let store = WeightStore(tensors: ["visual.proj": Tensor(shape: [5], values: (0..<5).map { -1 + Float($0) * 0.5 })], source: "test")
            let p = store.tensorIfPresent("visual.proj")!
            let fake = FakeParameters(p)
            var s = OptimizerSettings(); s.kind = kind; s.weightDecay = wd
            let opt = Optimizer(settings: s, like: fake.params)
            for (step, g) in Self.expected.trajectory_grads.enumerated() {
                fake.grads.tensors[0].pointer.update(from: g, count: 5)
                opt.update(fake.params, gradients: fake.grads, lr: lr)
                for i in 0..<5 { XCTAssertEqual(p[flat: i], Self.expected.trajectories[name]![step][i], accuracy: 2e-6, "\(name) step \(step + 1)") }
            }
        }
    }

    /// Central differences on a smooth loss (features · R) for a few entries of every parameter tensor.
    func testFiniteDifferencesPerLayer() throws {
        let (params, crops, _) = try setup()
        let small = Tensor(zeros: [2, 3, 224, 224])
        small.pointer.update(from: crops.pointer, count: small.count)
        var rng = SplitMix(seed: 5)
        let r = Tensor(zeros: [2, params.embedDim])
        for i in 0..<r.count { r[flat: i] = Float(Double(rng.next() % 2000) / 1000 - 1) }
        func loss() -> Double {
            let f = VisionBackprop(parameters: params, batch: 2).forward(small)
            return (0..<f.count).reduce(0.0) { $0 + Double(f[flat: $1] * r[flat: $1]) }
        }
        let net = VisionBackprop(parameters: params, batch: 2)
        _ = net.forward(small)
        let grads = VisionParameters(zerosLike: params)
        net.backward(r, into: grads)
        for (name, (p, g)) in zip(params.names, zip(params.tensors, grads.tensors)) {
            for _ in 0..<3 {
                let i = Int(rng.next() % UInt64(p.count))
                let original = p[flat: i], eps: Float = 1e-2 * max(1, abs(original))
                p[flat: i] = original + eps; let up = loss()
                p[flat: i] = original - eps; let down = loss()
                p[flat: i] = original
                let numeric = Float((up - down) / Double(2 * eps))
                XCTAssertEqual(g[flat: i], numeric, accuracy: 2e-2 * max(1, abs(numeric)), "\(name)[\(i)]")
            }
        }
    }
}

/// A one-tensor parameter set for optimiser tests.
final class FakeParameters {
    let params: VisionParameters, grads: VisionParameters
    init(_ t: Tensor) {
        params = VisionParameters(single: t)
        grads = VisionParameters(zerosLike: params)
    }
}

/// The trainer as the CLI runs it: one step equals PyTorch's, resume is exact, the loss falls.
final class TrainerTests: XCTestCase {
    func workspace(_ name: String) throws -> (String, String) {
        let dir = NSTemporaryDirectory() + "crowdclip-train-\(getpid())-\(name)"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir + "/images", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixtures.path("training/picture.png"), toPath: dir + "/images/picture.png")
        return (dir + "/images", dir + "/run")
    }

    func trainer(_ images: String, _ out: String, steps: Int?, epochs: Int = 1, lr: Float = 1e-3, augment: Bool = false, resume: Bool = false) throws -> Trainer {
        var c = TrainingConfiguration()
        c.learningRate = lr; c.maxSteps = steps; c.epochs = epochs; c.augment = augment; c.headWidth = 8
        return try Trainer(base: try WeightLoader.load(path: Fixtures.path("models/tiny-p16.safetensors")),
                           images: Array(ImageInputs.expand([images]).images), outputDirectory: out, configuration: c,
                           tokenizer: try CLIPTokenizer.standard(), resume: resume)
    }

    /// Training, counting and the CLI's `--counts` / `--count-template` defaults are one definition, the paper's
    /// prompts (the CLI's defaults read from its argument definitions, as `--help` shows them).
    func testTrainingCountingAndTheCLIShareTheRankingPrompts() throws {
        XCTAssertEqual(TrainingConfiguration().countPrompts, .paper)
        XCTAssertEqual(CountingConfiguration().countPrompts, .paper)
        let r = try CrowdCLIPProcess.run(["--experimental-dump-help"])
        XCTAssertEqual(r.status, 0, r.err)
        let root = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let commands = try XCTUnwrap((root["command"] as? [String: Any])?["subcommands"] as? [[String: Any]])
        let count = try XCTUnwrap(commands.first { $0["commandName"] as? String == "count" })
        var defaults: [String: String] = [:]
        for argument in count["arguments"] as? [[String: Any]] ?? [] {
            if let name = (argument["preferredName"] as? [String: Any])?["name"] as? String, let value = argument["defaultValue"] as? String {
                defaults[name] = value
            }
        }
        XCTAssertEqual(defaults["counts"], RankingPrompts.paper.values.map(String.init).joined(separator: ","))
        XCTAssertEqual(defaults["count-template"], RankingPrompts.paper.template)
    }

    func testOneStepMatchesPyTorch() throws {
        let (images, out) = try workspace("one-step")
        try trainer(images, out, steps: 1).run()
        let ours = try WeightLoader.load(path: out + "/last.safetensors")
        let ref = try WeightLoader.load(path: Fixtures.path("training/trainer-step-radam.safetensors"))
        let before = try WeightLoader.load(path: Fixtures.path("models/tiny-p16.safetensors"))
        XCTAssertEqual(ours.names, ref.names)
        var worst: Float = 0
        defer { print("training: Trainer step, worst relative update error = \(worst)") }
        for name in ref.names {
            let a = try ours.tensor(name), r = try ref.tensor(name), b = try before.tensor(name)
            var diff: Float = 0, norm: Float = 0
            for i in 0..<a.count {
                let d1 = a[flat: i] - b[flat: i], d2 = r[flat: i] - b[flat: i]
                diff += (d1 - d2) * (d1 - d2); norm += d2 * d2
            }
            worst = max(worst, (diff / max(norm, 1e-30)).squareRoot())
            XCTAssertLessThanOrEqual((diff / max(norm, 1e-30)).squareRoot(), 7.5e-5, name)  // achieved 7.4e-6
        }
        // The output loads as a counter.
        XCTAssertTrue(try CLIPModel(path: out + "/last.safetensors", headWidth: 8).hasVision)
    }

    func testResumeIsExact() throws {
        let (images, straight) = try workspace("straight")
        try trainer(images, straight, steps: 3, epochs: 5, augment: true).run()
        let resumed = straight.replacingOccurrences(of: "/run", with: "/resumed")
        try trainer(images, resumed, steps: 1, epochs: 5, augment: true).run()
        try trainer(images, resumed, steps: 3, epochs: 5, augment: true, resume: true).run()
        let a = try WeightLoader.load(path: straight + "/last.safetensors"), b = try WeightLoader.load(path: resumed + "/last.safetensors")
        for name in a.names { XCTAssertEqual(try a.tensor(name).array, try b.tensor(name).array, name) }
        let log = try String(contentsOfFile: resumed + "/log.jsonl", encoding: .utf8)
        XCTAssertEqual(log.split(separator: "\n").count, 3, "steps 1, 2 and 3 each logged once")
    }

    func testLossFalls() throws {
        let (images, out) = try workspace("falls")
        var losses: [Float] = []
        try trainer(images, out, steps: nil, epochs: 6, lr: 3e-4).run(report: { losses.append($0.loss) })
        XCTAssertEqual(losses.count, 6)
        XCTAssertLessThan(losses.last!, losses.first!, "\(losses)")
    }

    /// Every image unreadable: no optimizer step, an error that says so, and no checkpoint.
    func testARunThatTrainsNothingFails() throws {
        let (images, out) = try workspace("nothing")
        try Data("broken".utf8).write(to: URL(fileURLWithPath: images + "/picture.png"))
        var skipped = 0
        XCTAssertThrowsError(try trainer(images, out, steps: nil, epochs: 2).run(onSkip: { _, _ in skipped += 1 })) {
            XCTAssertEqual($0 as? TrainingError, .noOptimizerStep(steps: 1, images: 1, unreadable: 1))
            XCTAssertTrue("\($0)".contains("no optimizer step was taken"), "\($0)")
        }
        XCTAssertEqual(skipped, 1, "stops after the first epoch")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/state.json"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/last.safetensors"))
    }

    /// Training and resume problems have their own errors, naming the folder or file: not EncoderError.
    func testResumeAndWeightProblemsAreTrainingErrors() throws {
        let (images, out) = try workspace("resume-errors")
        XCTAssertThrowsError(try trainer(images, out, steps: 1, resume: true)) {
            XCTAssertEqual($0 as? TrainingError, .nothingToResume(directory: out))
            XCTAssertTrue("\($0)".hasPrefix(out + ": nothing to resume"), "\($0)")
        }
        try Data("{\"epoch\": ".utf8).write(to: URL(fileURLWithPath: out + "/state.json"))
        XCTAssertThrowsError(try trainer(images, out, steps: 1, resume: true)) {
            guard case let .damagedRun(file, _)? = $0 as? TrainingError else { return XCTFail("\($0)") }
            XCTAssertEqual(file, out + "/state.json")
        }
        var gelu = try WeightLoader.load(path: Fixtures.path("models/tiny-p32.safetensors"))
        gelu.hints.activation = "gelu"
        XCTAssertThrowsError(try VisionParameters(store: gelu, headWidth: 8)) {
            guard case let .unsupportedWeights(file, reason)? = $0 as? TrainingError else { return XCTFail("\($0)") }
            XCTAssertEqual(file, gelu.source)
            XCTAssertTrue(reason.contains("GELU"), reason)
        }
        XCTAssertThrowsError(try Trainer(base: gelu, images: [], outputDirectory: out, configuration: TrainingConfiguration(),
                                         tokenizer: try CLIPTokenizer.standard(), resume: false)) {
            XCTAssertEqual($0 as? TrainingError, .noImages(source: "the list of training images"))
        }
    }

    /// state.json that parses but names a missing or misshapen file is a damaged run (exit 4), not a weights error.
    func testAResumeWhoseCheckpointFilesAreDamagedIsADamagedRun() throws {
        let (images, out) = try workspace("damaged-set")
        try trainer(images, out, steps: 1).run()
        let optimizer = out + "/optimizer-step-1.safetensors", weights = out + "/weights-step-1.safetensors"
        try FileManager.default.removeItem(atPath: optimizer)
        try FileManager.default.copyItem(atPath: weights, toPath: optimizer)  // no m./v. tensors in it
        XCTAssertThrowsError(try trainer(images, out, steps: 2, resume: true)) {
            guard case let .damagedRun(file, reason)? = $0 as? TrainingError else { return XCTFail("\($0)") }
            XCTAssertEqual(file, optimizer)
            XCTAssertTrue(reason.contains("missing weight `m."), reason)
        }
        try FileManager.default.removeItem(atPath: weights)
        XCTAssertThrowsError(try trainer(images, out, steps: 2, resume: true)) {
            guard case let .damagedRun(file, reason)? = $0 as? TrainingError else { return XCTFail("\($0)") }
            XCTAssertEqual(file, weights)
            XCTAssertTrue("\($0)".hasPrefix(weights + ": cannot resume: ") && !reason.hasPrefix(weights), "\($0)")
        }
    }

    /// A checkpoint that cannot be written is a TrainingError naming the file with the system's reason (exit 4).
    func testACheckpointThatCannotBeWrittenNamesTheFile() throws {
        let (images, out) = try workspace("unwritable")
        let t = try trainer(images, out, steps: 1)
        try FileManager.default.createDirectory(atPath: out + "/last.safetensors/in-the-way", withIntermediateDirectories: true)
        XCTAssertThrowsError(try t.run()) {
            XCTAssertEqual($0 as? TrainingError, .cannotWrite(file: out + "/last.safetensors", reason: String(cString: strerror(EISDIR))))
        }
        XCTAssertThrowsError(try AtomicFile.write(Data("x".utf8), to: out + "/no-such-folder/state.json")) {
            XCTAssertEqual($0 as? OutputFileError, .cannotWrite(file: out + "/no-such-folder/state.json", reason: "No such file or directory"))
        }
    }

    /// A fresh run in a folder holding an earlier one is refused (its log would mix with the new one) unless
    /// --resume or --force; --force removes exactly that run's files.
    func testAFreshRunRefusesAnEarlierRunsFolder() throws {
        let (images, out) = try workspace("earlier")
        try trainer(images, out, steps: 1).run()
        try Data("mine".utf8).write(to: URL(fileURLWithPath: out + "/notes.txt"))
        XCTAssertThrowsError(try trainer(images, out, steps: 1)) {
            guard case let .earlierRun(dir, files)? = $0 as? TrainingError else { return XCTFail("\($0)") }
            XCTAssertEqual(dir, out)
            XCTAssertTrue(files.contains("log.jsonl") && files.contains("state.json"), "\(files)")
            XCTAssertTrue("\($0)".contains("--resume") && "\($0)".contains("--force"))
        }
        try Trainer.prepareOutputDirectory(out, resume: false, force: true)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out), ["notes.txt"])
        try trainer(images, out, steps: 1).run()
        let log = try String(contentsOfFile: out + "/log.jsonl", encoding: .utf8)
        XCTAssertEqual(log.split(separator: "\n").count, 1, log)
    }
}

/// Validation keeps the epoch with the lowest MAE as best.safetensors.
extension TrainerTests {
    func testBestEpochIsKept() throws {
        let t = self
        let (images, out) = try t.workspace("validation")
        var maes = [30.0, 10.0, 20.0]
        var seenSteps: [String] = []
        try t.trainer(images, out, steps: nil, epochs: 3).run(validate: { weights in
            seenSteps.append(weights.source)
            return maes.removeFirst()
        })
        XCTAssertEqual(seenSteps.count, 3)
        let state = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/state.json"))) as! [String: Any]
        XCTAssertEqual(state["bestMAE"] as? Double, 10)
        XCTAssertEqual(state["epoch"] as? Int, 3)
        // best.safetensors holds epoch 2's weights (written then), last.safetensors epoch 3's.
        let best = try WeightLoader.load(path: out + "/best.safetensors"), last = try WeightLoader.load(path: out + "/last.safetensors")
        XCTAssertNotEqual(try best.tensor("visual.proj").array, try last.tensor("visual.proj").array)
    }
}
