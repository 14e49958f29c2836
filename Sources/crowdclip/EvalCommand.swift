import ArgumentParser
import CrowdCLIPCore
import Foundation

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Count a dataset split and report MAE and MSE (root mean squared error, as papers report it).")

    @OptionGroup var models: ModelOptions
    @OptionGroup var precision: PrecisionOptions
    @OptionGroup var counterOptions: CounterOptions
    @OptionGroup var counting: CountingOptions
    @OptionGroup(title: "Sharding") var sharding: ShardOptions

    @Option(help: "Dataset layout: \(DatasetKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var dataset: DatasetKind

    @Option(help: "The dataset's top folder (for `list`, the list file).")
    var root: String

    @Option(help: "train, val or test (default: test).")
    var split: String?

    @Option(parsing: .unconditional, help: "UCF_CC_50 fold, 1…5.")
    var fold: Int?

    @Option(name: .shortAndLong, help: "Per-image CSV (image,gt,count).")
    var output: String?

    @Option(help: "text or json.")
    var format: ReportFormat = .text

    enum ReportFormat: String, ExpressibleByArgument { case text, json }

    func validate() throws {
        try SplitOption.check(split, option: "--split", kind: dataset)
        try SplitOption.checkFold(fold, kind: dataset)
    }

    func run() throws {
        let samples = try sharding.samples(DatasetReader.samples(kind: dataset, root: root, split: split, fold: fold), root: root)
        let csv = try output.map { try LineFile(replacing: $0) }  // an unwritable file is found before the weights load
        var configuration = try counting.configuration()
        configuration.precision = precision.precision
        let counter = try counterOptions.makeCounter(models: models, configuration: configuration, engine: precision.engine)
        try csv?.write("image,gt,count")
        let bar = ProgressBar(label: "evaluating")
        activeProgressBar = bar
        defer { activeProgressBar = nil }
        let report = try Evaluation(counter: counter).run(
            samples,
            row: { r in try csv?.write("\(CSVText.field(r.image)),\(r.groundTruth.map(JSONText.number) ?? ""),\(JSONText.number(r.count))") },
            onFailure: { _, message in printError(message) },
            progress: { done, total, m in bar.update(done: done, total: total, extra: m.count > 0 ? String(format: "MAE %.1f", m.mae) : "") })
        let splitName = split ?? DatasetReader.defaultSplit(dataset)
        let m = report.metrics
        switch format {
        case .json:
            let mae = JSONText.mean(m.mae, of: m.count), mse = JSONText.mean(m.mse, of: m.count)
            print("{\"dataset\": \(JSONText.string(dataset.rawValue)), \"split\": \(JSONText.string(splitName)), \"images\": \(report.rows.count), \"mae\": \(mae), \"mse\": \(mse)}")
        case .text:
            print("dataset \(dataset.rawValue)  split \(splitName)  images \(report.rows.count)")
            if m.count > 0 { print(String(format: "MAE %.2f  MSE %.2f", m.mae, m.mse)) } else { print("no labels in this split: counts only, no MAE") }
        }
        if !report.failures.isEmpty { printError("\(report.failures.count) image(s) failed"); throw ExitCode(1) }
    }
}

extension DatasetKind: ExpressibleByArgument {}
