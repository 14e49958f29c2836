import ArgumentParser
import CrowdCLIPCore
import Foundation

/// `crowdclip merge`: one file from the shard outputs of `count --shard` or `eval --shard`.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the per-shard outputs of `count --shard` or `eval --shard` into one file.",
        discussion: """
            Shard files are JSON lines or CSV from `count`, or the per-image CSV (image,gt,count) of `eval`; all \
            must be of one kind. Lines are copied as written, in the natural order of the image paths, or in the \
            order a run over --inputs takes them. Records are the same image when their `path` (the canonical path) \
            agrees; a success replaces an earlier failure. For eval shards MAE and MSE over the union are printed.

            Exit status: 0 when the merge holds every image once and none failed; 1 when an image failed, is \
            missing from the shards or is in two of them, a line is unreadable, or an image is not among --inputs \
            (each is listed, and the merged file is still written); 2 when the shards cannot be merged (mixed \
            kinds, a table, a file that is missing or not a shard output; the message says why, without the \
            usage); 4 when the output cannot be written or \
            is one of the shards.

            Example: crowdclip merge --inputs photos/ -o counts.jsonl out/shard-*.jsonl
            """)

    @Option(name: .shortAndLong, help: "The merged file (written whole, then renamed into place).")
    var output: String

    @Option(parsing: .upToNextOption,
            help: "The inputs the sharded run was given (files or folders): every image must appear exactly once, in their order. Put the shard files after --inputs' values, or after --.")
    var inputs: [String] = []

    @Flag(name: .shortAndLong, help: "Expand --inputs folders with their subfolders, as `count --recursive` did.")
    var recursive = false

    @Option(help: "Report form: text or json (for eval shards the same MAE/MSE fields as `eval`).")
    var format: EvalCommand.ReportFormat = .text

    @Argument(help: "Shard output files.")
    var shards: [String] = []

    func validate() throws {
        guard !shards.isEmpty else {
            throw ValidationError("give the shard files (after -- when --inputs comes last: --inputs photos -- out/shard-*.jsonl)")
        }
    }

    func run() throws {
        // A ShardMergeError reaches ExitStatus.forDomainError like every other domain error.
        let resolvedOutput = ShardOutput.canonicalPath(output)
        if let resolvedOutput, shards.contains(where: { ShardOutput.canonicalPath($0) == resolvedOutput }) {
            throw ShardMergeError.outputIsShard(output)
        }
        let outputs = try shards.map { try ShardOutput.read(path: $0) }
        let expected = inputs.isEmpty ? nil : ShardMerge.ExpectedInput.expand(inputs, recursive: recursive)
        let expanded = expected?.problems ?? []
        let result = try ShardMerge.merge(outputs, expected: expected?.inputs)
        try writeAtomically(result.lines, to: output)
        report(result)
        for (input, why) in expanded { printError("--inputs \(input): \(why)") }
        if !result.isComplete || result.failed > 0 || !expanded.isEmpty { throw ExitCode(ExitStatus.someInputsFailed.rawValue) }
    }

    private func report(_ r: ShardMerge.Result) {
        for line in r.malformed { printError(line) }
        for image in r.missing { printError("missing: \(image)") }
        for d in r.duplicated { printError("duplicated: \(d.image) in \(d.files.joined(separator: ", "))") }
        for image in r.unexpected { printError("not among --inputs: \(image)") }
        if r.failed > 0 { printError("\(r.failed) image(s) failed (their error records are kept)") }
        let evaluated = r.kind == .evalCSV, m = r.metrics
        switch format {
        case .json:
            var fields = ["\"output\": \(JSONText.string(output))", "\"shards\": \(shards.count)", "\"images\": \(r.records)"]
            if evaluated {
                fields += ["\"mae\": \(JSONText.mean(m.mae, of: m.count))", "\"mse\": \(JSONText.mean(m.mse, of: m.count))"]
            } else {
                fields.append("\"failed\": \(r.failed)")
            }
            fields += ["\"missing\": \(r.missing.count)", "\"duplicated\": \(r.duplicated.count)"]
            print("{" + fields.joined(separator: ", ") + "}")
        case .text:
            print("merged \(shards.count) shard file(s) into \(output)  images \(r.records)" + (evaluated ? "" : "  failed \(r.failed)"))
            if evaluated {
                if m.count > 0 { print(String(format: "MAE %.2f  MSE %.2f", m.mae, m.mse)) } else { print("no labels in these shards: counts only, no MAE") }
            }
        }
    }

    /// A reader of OUTPUT sees the old file or the whole new one, never a part; streamed, since a million records
    /// are half a gigabyte, which need not be held twice.
    private func writeAtomically(_ lines: [String], to path: String) throws {
        do {
            try AtomicFile.write(to: path) { out in for line in lines { try out.writeLine(line) } }
        } catch {
            printError("cannot write \(path): \(String(cString: strerror(errno)))")
            throw ExitCode(ExitStatus.output.rawValue)
        }
    }
}
