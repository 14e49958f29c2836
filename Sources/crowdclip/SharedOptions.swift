import ArgumentParser
import CrowdCLIPCore
import Foundation

/// Options shared by the commands that load a CLIP model.
struct ModelOptions: ParsableArguments {
    @Option(help: "Base CLIP weights (any supported format). Default: $CROWDCLIP_WEIGHTS or Weights/ViT-B-16.pt.")
    var weights: String?

    @Option(help: ArgumentHelp("Attention head width used to infer head counts (64 in every released CLIP).", visibility: .hidden))
    var headWidth: Int = 64

    func validate() throws {
        guard headWidth >= 1 else { throw ValidationError("--head-width must be positive") }
    }

    func load() throws -> CLIPModel {
        try CLIPModel(path: try CLIPModel.weightsPath(weights), headWidth: headWidth)
    }
}

/// The fine-tuned counter, for `count` and `eval`.
struct CounterOptions: ParsableArguments {
    @Option(help: "Fine-tuned image encoder that picks the counts (a CrowdCLIP .ckpt, or `crowdclip train` output). Default: the base.")
    var counterWeights: String?

    func makeCounter(models: ModelOptions, configuration: CountingConfiguration) throws -> CrowdCounter {
        let base = try models.load()
        let counter = try counterWeights.map { try CLIPModel(path: $0, headWidth: models.headWidth) }
        return try CrowdCounter(base: base, counter: counter, tokenizer: CLIPTokenizer.standard(), configuration: configuration)
    }
}

/// Test-stage options shared by `count` and `eval`.
struct CountingOptions: ParsableArguments {
    @Option(help: "Patches per side (the paper: 3 for ShanghaiTech, 4 for UCF-QNRF).")
    var grid: Int = 3

    @Option(help: "Count values of the prompts, comma-separated.")
    var counts: String = "20,55,90,125,160,195"

    @Option(help: "Count prompt template ({} is replaced by each value).")
    var countTemplate: String = "There are {} persons in the crowd"

    @Option(help: "Stage 1 classes, comma-separated; the first is the one to keep.")
    var crowdClasses: String = "crowd,tree,car,traffic light"

    @Option(help: "Stage 1 template.")
    var crowdTemplate: String = "The object is {}"

    @Option(help: "Stage 2 classes, comma-separated; the first is the one to keep.")
    var headsClasses: String = "human heads,hands,legs,road,house,shadow of man"

    @Option(help: "Stage 2 template.")
    var headsTemplate: String = "The objects are {}"

    @Option(help: "Stage 2 keeps a patch when its target is among this many best classes.")
    var headsTopK: Int = 3

    @Option(help: "argmax (the paper) or expectation (softmax-weighted count).")
    var aggregation: CountingConfiguration.Aggregation = .argmax

    @Option(help: "Shrink images whose longer side exceeds this before cutting (UCF-QNRF: 2048).")
    var maxLongSide: Int?

    func configuration() throws -> CountingConfiguration {
        var c = CountingConfiguration()
        c.grid = grid
        c.countTemplate = countTemplate
        c.crowdTemplate = crowdTemplate
        c.headsTemplate = headsTemplate
        c.headsTopK = headsTopK
        c.aggregation = aggregation
        c.maxLongSide = maxLongSide
        let values = counts.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else { throw ValidationError("--counts must be integers separated by commas") }
        c.countValues = values.compactMap { $0 }
        func list(_ s: String) -> [String] { s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        c.crowdClasses = list(crowdClasses); c.crowdTarget = c.crowdClasses.first ?? ""
        c.headsClasses = list(headsClasses); c.headsTarget = c.headsClasses.first ?? ""
        try c.validate()
        return c
    }
}

extension CountingConfiguration.Aggregation: ExpressibleByArgument {}

/// Writes lines to a file or standard output, flushing each one.
final class LineSink {
    private let handle: FileHandle
    private let name: String
    let hadContent: Bool

    init(path: String?, append: Bool) throws {
        guard let path else { handle = .standardOutput; hadContent = false; name = "standard output"; return }
        name = path
        let fm = FileManager.default
        let existing = append ? fm.contents(atPath: path) : nil
        if existing == nil { guard fm.createFile(atPath: path, contents: nil) else { throw ValidationError("cannot write \(path)") } }
        guard let h = FileHandle(forWritingAtPath: path) else { throw ValidationError("cannot write \(path)") }
        handle = h
        hadContent = !(existing?.isEmpty ?? true)
        if append {
            h.seekToEndOfFile()
            // A run killed mid-line leaves a partial last line; the next record starts on a line of its own.
            if let last = existing?.last, last != UInt8(ascii: "\n") { try h.write(contentsOf: Data("\n".utf8)) }
        }
    }

    func write(_ line: String) throws {
        do { try handle.write(contentsOf: Data((line + "\n").utf8)) } catch {
            throw ValidationError("cannot write to \(name): \(error.localizedDescription)")
        }
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(("crowdclip: " + message + "\n").data(using: .utf8)!)
}
