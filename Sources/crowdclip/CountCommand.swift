import ArgumentParser
import CrowdCLIPCore
import Foundation

struct CountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "count",
        abstract: "Count the people in photos (CrowdCLIP's test stage).",
        discussion: """
            Each image is cut into a grid; patches the base CLIP sees as a crowd of human heads are kept, and the \
            counter picks each kept patch's count from "There are N persons in the crowd". One result per image \
            is written as soon as it is known; a bad file becomes an error record and the batch goes on.

            Records: {"image": as found, "path": absolute path with symlinked folders resolved, "count": N, \
            "patches": [...]} or {"image", "path", "error"}; CSV columns image,path,count,selected_patches,error.

            --resume skips the images whose path already has a result in --output (failures are tried again), drops \
            a record cut off by a crash, and at the end rewrites the file so it holds exactly one record per image: \
            its success, or its last failure when it never succeeded.

            \(ExitStatus.table)
            """)

    @OptionGroup var models: ModelOptions
    @OptionGroup var precision: PrecisionOptions
    @OptionGroup var counterOptions: CounterOptions
    @OptionGroup var counting: CountingOptions
    @OptionGroup(title: "Sharding") var sharding: ShardOptions

    @Option(help: "Output format: jsonl, csv or table. Default: from the --output extension (.jsonl/.json, .csv, .txt/.tsv), else table on a terminal and jsonl otherwise.")
    var format: CountOutputFormat?

    @Option(name: .shortAndLong, help: "Write results to this file instead of standard output.")
    var output: String?

    @Option(help: "Write a picture per image (grid, kept patches, counts) into this folder.")
    var visualize: String?

    @Flag(help: "Skip images already counted in --output, append the rest, then leave one record per image.")
    var resume = false

    @Flag(name: .shortAndLong, help: "Also count the images in subfolders of the folders given.")
    var recursive = false

    @Argument(help: "Images (.jpg, .jpeg, .png) or folders of images.")
    var inputs: [String]

    func validate() throws {
        if resume && output == nil { throw ValidationError("--resume needs --output FILE") }
        if resume && format == .table { throw ValidationError("--resume reads jsonl or csv output; a table cannot be resumed") }
    }

    /// --format, else the --output extension's, else table for a terminal and jsonl otherwise.
    func outputFormat() throws -> CountOutputFormat {
        if let format { return format }
        guard let output else { return isatty(1) != 0 ? .table : .jsonl }
        do { return try CountOutputFormat.inferred(fromFileName: output) } catch { throw ValidationError("\(error)") }
    }

    func run() throws {
        let (summary, problems, format) = try countAll()
        // After the batch, so the input list and the resume index are freed before compaction reads the file.
        if resume, let output {
            let dropped = try CountOutputFile.compact(path: output, format: format)
            if dropped > 0 { printError("\(output): kept one record per image (\(dropped) superseded line(s) removed)") }
        }
        let status = ExitStatus.forBatch(done: summary.counted + summary.skipped, failed: summary.failed + problems)
        if status != .success { throw ExitCode(status.rawValue) }
    }

    private func countAll() throws -> (BatchCounting.Summary, problems: Int, CountOutputFormat) {
        var configuration = try counting.configuration()
        configuration.precision = precision.precision
        let expansion = try sharding.select(ImageInputs.expand(inputs, recursive: recursive), arguments: inputs)
        // The arguments here; preflight checks what the folders hold.
        if let output { try CountOutputFile.refuseInputs(path: output, inputs: inputs) }
        let format = try outputFormat()
        if resume && format == .table { throw ValidationError("--resume reads jsonl or csv output; a table cannot be resumed") }
        // Everything about the output that can be checked is checked before the weights load.
        let index = try output.map { try CountOutputFile.preflight(path: $0, format: format, inputs: expansion.images, resume: resume) }
        if let visualize { try BatchCounting.preparePictureFolder(visualize) }
        let counter = try counterOptions.makeCounter(models: models, configuration: configuration, engine: precision.engine)
        let sink = try output.map { try CountOutputFile(path: $0, format: format, continuing: resume ? index : nil) }
            ?? (try CountOutputFile(standardOutputIn: format))
        let bar = ProgressBar(label: "counting")
        activeProgressBar = bar
        defer { activeProgressBar = nil }
        // Rows bound for the terminal the bar is on go above it.
        let write: (String) throws -> Void = output == nil && isatty(1) != 0 && bar.enabled
            ? { line in try bar.withBarHidden { try sink.write(line) } } : sink.write
        if let torn = index?.tornBytes, torn > 0 { printError("\(output!): dropped a record cut off by an earlier run (\(torn) bytes)") }
        for (input, why) in expansion.problems {
            if try sharding.ownsRecord(of: input, arguments: inputs) {
                try write(format.line(forFailure: input, path: CanonicalPath.of(input), error: "\(input): \(why)"))
            }
            printError("\(input): \(why)")
        }
        let summary = try BatchCounting(counter: counter, format: format, visualizeDirectory: visualize, write: write)
            .run(expansion.images, resume: index ?? ResumeIndex(), onFailure: { _, message in printError(message) },
                 progress: { bar.update(done: $0.done, total: $0.total, skipped: $0.skipped) })
        if summary.skipped > 0 { printError("skipped \(summary.skipped) image(s) already counted in \(output!)") }
        return (summary, expansion.problems.count, format)
    }
}

extension CountOutputFormat: ExpressibleByArgument {}
