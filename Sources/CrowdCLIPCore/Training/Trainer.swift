import Foundation

/// Fine-tunes the image encoder with the ranking loss (text encoder and logit scale frozen).
public final class Trainer {
    /// Progress after one step: the epoch (0-based), steps taken so far, the step's mean loss per image (NaN
    /// when every image of the batch was unreadable), and images per second for that step.
    public struct StepReport { public let epoch: Int; public let step: Int; public let loss: Float; public let imagesPerSecond: Double }

    /// The settings the run was created with.
    package let configuration: TrainingConfiguration
    /// Where `state.json`, `log.jsonl`, the step checkpoints, `last.safetensors` and `best.safetensors` go.
    package let outputDirectory: String
    let parameters: VisionParameters
    let gradients: VisionParameters
    let optimizer: Optimizer
    /// Activation buffers (≈0.8 GB for ViT-B/16), allocated once: every forward overwrites them completely.
    private lazy var net = VisionBackprop(parameters: parameters, batch: NestedCrops.count)
    let texts: Tensor
    let images: [String]
    let base: CLIPModel
    var state: TrainingState

    /// - Parameters:
    ///   - weights: the CLIP to start from (its text encoder gives the count prompts' features).
    ///   - images: training images (labels are never read).
    ///   - outputDirectory: where the checkpoints, `state.json` and `log.jsonl` are written.
    ///   - configuration: the schedule, optimiser and count prompts.
    ///   - tokenizer: tokenizes the count prompts.
    ///   - resume: continue from `outputDirectory/state.json`.
    ///   - force: start afresh in a folder that holds an earlier run, removing that run's files.
    public init(base weights: WeightStore, images: [String], outputDirectory: String, configuration: TrainingConfiguration,
                tokenizer: CLIPTokenizer, resume: Bool, force: Bool = false) throws {
        guard !images.isEmpty else { throw TrainingError.noImages(source: "the list of training images") }
        try Self.prepareOutputDirectory(outputDirectory, resume: resume, force: force)
        self.configuration = configuration
        self.outputDirectory = outputDirectory
        self.images = images
        parameters = try VisionParameters(store: weights, headWidth: configuration.headWidth)
        guard parameters.config.imageSize == Preprocessing.outputSize else {
            throw TrainingError.unsupportedWeights(file: weights.source, reason: "the image encoder takes \(parameters.config.imageSize)×\(parameters.config.imageSize) inputs; training feeds 224×224 crops")
        }
        base = try CLIPModel(weights: weights, headWidth: configuration.headWidth)
        gradients = VisionParameters(zerosLike: parameters)
        optimizer = Optimizer(settings: configuration.optimizer, like: parameters)
        let prompts = configuration.countPrompts.texts
        guard prompts.count == NestedCrops.count else {
            throw TrainingError.invalidConfiguration(reason: "the ranking loss pairs six crops with six count prompts; got \(prompts.count)")
        }
        texts = try base.encodeTexts(prompts, tokenizer: tokenizer)
        state = TrainingState(epoch: 0, step: 0, optimizerStep: 0, seed: configuration.seed,
                              learningRate: configuration.learningRate, optimizer: configuration.optimizer.kind.rawValue)
        if resume { try restore() }
    }

    func path(_ name: String) -> String { (outputDirectory as NSString).appendingPathComponent(name) }

    /// The files a run writes: an earlier run is recognised by them, and `force` removes exactly them.
    static func runFiles(in directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter {
            ["state.json", "log.jsonl", "last.safetensors", "best.safetensors"].contains($0)
                || (($0.hasPrefix("weights-step-") || $0.hasPrefix("optimizer-step-")) && $0.hasSuffix(".safetensors"))
        }.sorted()
    }

    /// Creates the output folder and checks it can be written, before any weights load. A fresh run refuses a
    /// folder holding an earlier run (its log would mix with the new one) unless `resume` or `force`.
    package static func prepareOutputDirectory(_ directory: String, resume: Bool, force: Bool) throws {
        do { try Folders.create(directory, what: "cannot create the output folder") } catch let OutputFileError.cannotWrite(file, reason) {
            throw TrainingError.cannotWrite(file: file, reason: reason)
        }
        let earlier = runFiles(in: directory)
        guard !resume, !earlier.isEmpty else { return }
        guard force else { throw TrainingError.earlierRun(directory: directory, files: earlier) }
        for name in earlier {
            let file = (directory as NSString).appendingPathComponent(name)
            guard unlink(file) == 0 else { throw TrainingError.cannotWrite(file: file, reason: String(cString: strerror(errno))) }
        }
    }

    private func restore() throws {
        let statePath = path("state.json")
        guard let data = FileManager.default.contents(atPath: statePath) else {
            throw TrainingError.nothingToResume(directory: outputDirectory)
        }
        do { state = try JSONDecoder().decode(TrainingState.self, from: data) } catch {
            throw TrainingError.damagedRun(file: statePath, reason: "not the state of a crowdclip training run (\(error))")
        }
        // state.json names the set to resume: a file of it missing or of another shape is a damaged run (4),
        // not a weights problem (3).
        let weightsFile = path(state.weights), optimizerFile = path(state.optimizerState)
        do {
            let weights = try WeightLoader.load(path: weightsFile)
            for (name, t) in zip(parameters.names, parameters.tensors) {
                t.pointer.update(from: try weights.tensor(name, shape: t.shape).pointer, count: t.count)
            }
        } catch let error as WeightError {
            throw TrainingError.damagedRun(file: weightsFile, reason: Self.reason(error, file: weightsFile))
        }
        do {
            try optimizer.restore(from: try WeightLoader.load(path: optimizerFile), step: state.optimizerStep)
        } catch let error as WeightError {
            throw TrainingError.damagedRun(file: optimizerFile, reason: Self.reason(error, file: optimizerFile))
        }
    }

    /// The weights error's message without its leading file name, which `damagedRun` puts first itself.
    private static func reason(_ error: WeightError, file: String) -> String {
        let message = "\(error)"
        return message.hasPrefix(file + ": ") ? String(message.dropFirst(file.count + 2)) : message
    }

    /// Saves a checkpoint as one set: weights and optimiser state go to files named by the step, then
    /// `state.json` (written atomically) switches to them — that rename is the commit point, so a crash at any
    /// moment leaves a consistent set to resume from. Then `last.safetensors` (loadable as `--counter-weights`)
    /// and, when asked, `best.safetensors` are refreshed, and the previous set is removed.
    func checkpoint(extraWeights: String? = nil) throws {
        do { try writeCheckpoint(extraWeights: extraWeights) } catch let OutputFileError.cannotWrite(file, reason) {
            throw TrainingError.cannotWrite(file: file, reason: reason)
        }
    }

    private func writeCheckpoint(extraWeights: String?) throws {
        let meta = ["format": "crowdclip-swift image encoder", "epoch": String(state.epoch), "step": String(state.step)]
        let named = Array(zip(parameters.names, parameters.tensors))
        let previous = (state.weights, state.optimizerState)
        let weightsName = "weights-step-\(state.step).safetensors", optimizerName = "optimizer-step-\(state.step).safetensors"
        try SafetensorsWriter.write(named, metadata: meta, to: path(weightsName))
        try SafetensorsWriter.write(optimizer.stateTensors(), metadata: ["step": String(optimizer.step)], to: path(optimizerName))
        state.weights = weightsName
        state.optimizerState = optimizerName
        state.optimizerStep = optimizer.step
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(state), to: path("state.json"))
        try SafetensorsWriter.write(named, metadata: meta, to: path("last.safetensors"))
        if let extra = extraWeights { try SafetensorsWriter.write(named, metadata: meta, to: path(extra)) }
        for old in [previous.0, previous.1] where old != weightsName && old != optimizerName && old.contains("-step-") {
            try? FileManager.default.removeItem(atPath: path(old))
        }
    }

    /// One optimiser step over `batch` images; returns the mean loss per image, or nil when every image of the
    /// batch was unreadable (each one is reported through `onSkip` and the run goes on).
    func step(_ batch: [String], lr: Float, onSkip: (_ file: String, _ message: String) -> Void) -> Float? {
        gradients.zero()
        var total: Float = 0, used = 0
        for (k, imagePath) in batch.enumerated() {
            // Augmentation randomness depends only on (seed, step, image slot): resuming replays it exactly.
            var rng = SplitMixRNG(seed: configuration.seed &+ UInt64(state.step) &* 0x9E37_79B9 &+ UInt64(k))
            let crops: Tensor
            do {
                crops = try NestedCrops.batch(try ImageIO.decode(path: imagePath), name: imagePath, augment: configuration.augment, rng: &rng)
            } catch {
                imagesSkipped += 1
                onSkip(imagePath, "\(error)")
                continue
            }
            let result = RankingLoss.evaluate(features: net.forward(crops), texts: texts)
            net.backward(result.featureGradient, into: gradients)
            total += result.loss
            used += 1
        }
        state.step += 1
        guard used > 0 else { return nil }
        optimizer.update(parameters, gradients: gradients, lr: lr)
        return total / Float(used)
    }

    /// Runs until `epochs` or `maxSteps`; checkpoints after every epoch (and when stopping early).
    /// `validate`, when given, scores the saved weights after each epoch; the lowest MAE is kept as best.safetensors.
    /// Unreadable images are skipped and reported through `onSkip` with the file and the message.
    public func run(validate: ((WeightStore) throws -> Double)? = nil,
                    onSkip: (_ file: String, _ message: String) -> Void = { _, _ in },
                    report: (StepReport) -> Void = { _ in }) throws {
        let log = try LineFile(path: path("log.jsonl"), truncating: false)
        let perEpoch = (images.count + configuration.batchImages - 1) / configuration.batchImages
        while state.epoch < configuration.epochs {
            let epoch = state.epoch
            var order = Array(images.indices)
            var shuffle = SplitMixRNG(seed: configuration.seed &+ UInt64(epoch) &* 0xD1B5_4A32_D192_ED03)
            order.shuffle(using: &shuffle)
            let lr = configuration.learningRate(epoch: epoch)
            let firstStep = state.step - epoch * perEpoch  // > 0 only when resuming inside an epoch
            for s in max(0, firstStep)..<perEpoch {
                if let maxSteps = configuration.maxSteps, state.step >= maxSteps {
                    try requireAnOptimizerStep()
                    try checkpoint()
                    return
                }
                let batch = order[(s * configuration.batchImages)..<min(order.count, (s + 1) * configuration.batchImages)].map { images[$0] }
                let started = Date()
                let loss = step(batch, lr: lr, onSkip: onSkip)
                try log.write("{\"epoch\": \(epoch), \"step\": \(state.step), \"loss\": \(JSONText.number(orNull: loss))}")
                report(StepReport(epoch: epoch, step: state.step, loss: loss ?? .nan,
                                  imagesPerSecond: Double(batch.count) / max(Date().timeIntervalSince(started), 1e-9)))
            }
            state.epoch += 1
            try requireAnOptimizerStep()
            try checkpoint()  // the epoch is safe before validation runs
            if let validate {
                do {
                    let mae = try validate(parameters.store(source: path(state.weights)))
                    try log.write("{\"epoch\": \(epoch), \"step\": \(state.step), \"val_mae\": \(JSONText.number(orNull: mae))}")
                    if mae.isFinite && (state.bestMAE == nil || mae < state.bestMAE!) {
                        state.bestMAE = mae
                        try checkpoint(extraWeights: "best.safetensors")
                    }
                } catch {
                    onSkip(path(state.weights), "validation failed: \(error)")
                }
            }
        }
        if let maxSteps = configuration.maxSteps, state.step >= maxSteps {
            try requireAnOptimizerStep()
            try checkpoint()
        }
    }

    /// Images skipped as unreadable in this run.
    private(set) var imagesSkipped = 0

    /// A run whose steps all had only unreadable images trained nothing: no checkpoint is written and the run
    /// fails, saying why.
    private func requireAnOptimizerStep() throws {
        guard optimizer.step == 0 else { return }
        throw TrainingError.noOptimizerStep(steps: state.step, images: images.count, unreadable: imagesSkipped)
    }

    /// Steps taken so far, including resumed ones and steps whose images were all unreadable.
    package var stepsTaken: Int { state.step }
    /// Epochs completed (equals `configuration.epochs` once `run` has finished them).
    var epochsDone: Int { state.epoch }
}
