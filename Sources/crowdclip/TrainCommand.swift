import ArgumentParser
import CrowdCLIPCore
import Foundation

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Fine-tune the image encoder with CrowdCLIP's ranking loss over nested crops (no labels used).",
        discussion: """
            Writes OUTPUT/last.safetensors (loadable as --counter-weights), the checkpoint set state.json points to \
            and log.jsonl after every epoch; --resume continues exactly where a run stopped. With --val-dataset \
            the epoch with the lowest validation MAE is also kept as best.safetensors (the test split is refused).
            """)

    @OptionGroup var models: ModelOptions

    @Option(help: "A folder of training images, or a dataset's top folder with --dataset.")
    var images: String

    @Option(help: "Read --images as this dataset layout (its labels are not used).")
    var dataset: DatasetKind?

    @Option(help: "Dataset split to train on.")
    var split: String = "train"

    @Option(name: .shortAndLong, help: "Folder for checkpoints and the log.")
    var output: String

    @Option(parsing: .unconditional) var epochs: Int = 100
    @Option(parsing: .unconditional) var lr: Float = 1e-6
    @Option(help: "radam, adamw or sgd.") var optimizer: OptimizerKind = .radam
    @Option(parsing: .unconditional) var weightDecay: Float = 0
    @Option(help: "Epochs at which the learning rate is multiplied by 0.1: positive integers, comma-separated.") var milestones: String = "60"
    @Option(parsing: .unconditional, help: "Images per step (six crops each).") var batchImages: Int = 1
    @Option(parsing: .unconditional, help: "Stop after this many optimiser steps.") var maxSteps: Int?
    @Option var seed: UInt64 = 0
    @Flag(help: "Centre crops, no random crop or flip.") var noAugment = false
    @Flag(help: "Continue from OUTPUT/state.json.") var resume = false
    @Flag(help: "Start a fresh run in an OUTPUT folder that holds an earlier one, removing that run's files.") var force = false

    @Option(help: "Validation dataset layout (for choosing the best epoch by MAE).") var valDataset: DatasetKind?
    @Option(help: "Validation dataset top folder.") var valRoot: String?
    @Option(help: "Validation split (train or val; never test).") var valSplit: String = "val"

    func validate() throws {
        guard epochs >= 1, batchImages >= 1, lr > 0 else { throw ValidationError("--epochs, --batch-images and --lr must be positive") }
        guard epochs <= 1_000_000, batchImages <= 10_000 else { throw ValidationError("--epochs is at most 1000000 and --batch-images at most 10000") }
        if let maxSteps, maxSteps < 1 { throw ValidationError("--max-steps must be positive (got \(maxSteps))") }
        guard weightDecay >= 0 else { throw ValidationError("--weight-decay must not be negative") }
        if resume && force { throw ValidationError("--resume continues the earlier run and --force removes it; give one") }
        _ = try parsedMilestones()
        if let dataset { try SplitOption.check(split, option: "--split", kind: dataset, anyForSingleSplit: true) }
        if let valDataset {
            guard valRoot != nil else { throw ValidationError("--val-dataset needs --val-root") }
            guard valSplit != "test" else {
                throw ValidationError("choosing a checkpoint on the test split is an oracle; validate on train or val")
            }
            try SplitOption.check(valSplit, option: "--val-split", kind: valDataset)
        }
    }

    func parsedMilestones() throws -> [Int] {
        let values = try ListOption.integers(milestones, option: "--milestones")
        guard values.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--milestones must be positive epochs (got \(milestones))") }
        return values
    }

    func run() throws {
        try Trainer.prepareOutputDirectory(output, resume: resume, force: force)  // before the weights load
        let weightsPath = try DefaultWeights.resolve(models.weights)
        let store = try WeightLoader.load(path: weightsPath)
        let files: [String]
        if let dataset {
            files = try DatasetReader.imagePaths(kind: dataset, root: images, split: split)
        } else {
            let found = ImageInputs.expand([images])
            for (p, why) in found.problems { printError("\(p): \(why)") }
            files = Array(found.images)
        }
        guard !files.isEmpty else { throw TrainingError.noImages(source: images) }
        var c = TrainingConfiguration()
        c.epochs = epochs; c.learningRate = lr; c.batchImages = batchImages; c.maxSteps = maxSteps; c.seed = seed
        c.augment = !noAugment; c.headWidth = models.headWidth
        c.milestones = try parsedMilestones()
        c.optimizer.kind = optimizer; c.optimizer.weightDecay = weightDecay
        let tokenizer = try CLIPTokenizer.standard()
        let trainer = try Trainer(base: store, images: files, outputDirectory: output, configuration: c, tokenizer: tokenizer, resume: resume, force: force)
        var validate: ((WeightStore) throws -> Double)?
        if let valDataset, let valRoot {
            let samples = try DatasetReader.samples(kind: valDataset, root: valRoot, split: valSplit).filter { $0.groundTruth != nil }
            guard !samples.isEmpty else { throw DatasetError.unlabeled(root: valRoot, split: valSplit) }
            let base = try CLIPModel(weights: store, headWidth: models.headWidth)
            validate = { weights in
                let counter = try CrowdCounter(base: base, counter: try CLIPModel(weights: weights, headWidth: models.headWidth), tokenizer: tokenizer)
                return try Evaluation(counter: counter).run(samples).metrics.mae
            }
        }
        let total = maxSteps ?? epochs * ((files.count + batchImages - 1) / batchImages)
        let bar = ProgressBar(label: "training")
        activeProgressBar = bar
        defer { activeProgressBar = nil }
        try trainer.run(validate: validate, onSkip: { path, why in printError("skipped \(path): \(why)") }) { r in
            bar.update(done: min(r.step, total), total: total, extra: String(format: "loss %.3f  %.2f img/s", r.loss, r.imagesPerSecond))
        }
        print("trained \(trainer.stepsTaken) step(s) over \(files.count) image(s); weights: \((output as NSString).appendingPathComponent("last.safetensors"))")
    }
}

extension OptimizerKind: ExpressibleByArgument {}
