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
            is written as soon as it is known; a bad file becomes an error record and the batch goes on (exit \
            status 1 when any input failed).
            """)

    @OptionGroup var models: ModelOptions
    @OptionGroup var counterOptions: CounterOptions
    @OptionGroup var counting: CountingOptions

    @Option(help: "Output format: jsonl, csv or table (default: table on a terminal, jsonl otherwise).")
    var format: CountOutputFormat?

    @Option(name: .shortAndLong, help: "Write results to this file instead of standard output.")
    var output: String?

    @Option(help: "Write a picture per image (grid, kept patches, counts) into this folder.")
    var visualize: String?

    @Flag(help: "Skip images already present in --output and append to it.")
    var resume = false

    @Argument(help: "Images (.jpg, .jpeg, .png) or folders of images.")
    var inputs: [String]

    func validate() throws {
        if resume && output == nil { throw ValidationError("--resume needs --output FILE") }
        if resume && format == .table { throw ValidationError("--resume reads jsonl or csv output; a table cannot be resumed") }
    }

    func run() throws {
        let counter = try counterOptions.makeCounter(models: models, configuration: counting.configuration())
        let (images, problems) = ImageInputs.expand(inputs)
        let format = self.format ?? (output == nil && isatty(1) != 0 ? .table : .jsonl)
        let skip = resume ? ResumeIndex.completedImages(in: output!) : []
        let sink = try LineSink(path: output, append: resume)
        if let header = format.header, !(resume && sink.hadContent) { try sink.write(header) }
        for (path, why) in problems {
            try sink.write(format.line(forFailure: path, error: "\(path): \(why)"))
            printError("\(path): \(why)")
        }
        let bar = ProgressBar(label: "counting")
        let summary = try BatchCounting(counter: counter, format: format, visualizeDirectory: visualize, write: sink.write)
            .run(images, skip: skip, onFailure: { _, message in printError(message) },
                 progress: { bar.update(done: $0, total: $1) })
        if summary.skipped > 0 { printError("skipped \(summary.skipped) image(s) already in \(output ?? "the output")") }
        if summary.failed > 0 || !problems.isEmpty { throw ExitCode(1) }
    }
}

extension CountOutputFormat: ExpressibleByArgument {}
