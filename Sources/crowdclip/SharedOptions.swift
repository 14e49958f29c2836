import ArgumentParser
import CrowdCLIPCore
import Foundation

/// Options shared by the commands that load a CLIP model.
struct ModelOptions: ParsableArguments {
    @Option(help: "Base CLIP weights (any supported format). Default: \(DefaultWeights.lookupDescription).")
    var weights: String?

    @Option(parsing: .unconditional, help: "Attention head width used to infer head counts (64 in every released CLIP; 8 for the tiny test models).")
    var headWidth: Int = 64

    func validate() throws {
        guard headWidth >= 1 else { throw ValidationError("--head-width must be positive (got \(headWidth))") }
    }

    func load(precision: Precision = .fp32, engine: MatrixEngine = .openBLAS) throws -> CLIPModel {
        try CLIPModel(path: try DefaultWeights.resolve(weights), headWidth: headWidth, precision: precision, engine: engine)
    }
}

/// `--precision` and `--engine` for the commands that run the encoders (not `train`: training stays fp32).
struct PrecisionOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "fp32, or bf16: bfloat16 weight products on oneDNN, about twice as fast, features within cosine 0.999 of fp32.",
        discussion: "bf16 needs a CPU with AVX512-BF16 or AMX-BF16 and oneDNN (Debian: libdnnl2, installed by `make deps`); it stops with exit status 2 on a CPU without them, 3 without oneDNN."))
    var precision: Precision = .fp32

    @Option(name: .customLong("engine"), help: ArgumentHelp(
        "Library of the fp32 weight products: openblas (default) or onednn (oneDNN's float32 matmul).",
        discussion: "fp32 only: with --precision bf16 the engine is oneDNN anyway. onednn needs oneDNN (Debian: libdnnl2, installed by `make deps`); without it it stops with exit status 3. Docs/benchmarks.md says which to pick.",
        valueName: "openblas|onednn"))
    var engineChoice: MatrixEngine?

    /// The engine the fp32 products run on (bf16 ignores it: always oneDNN).
    var engine: MatrixEngine { engineChoice ?? .openBLAS }

    func validate() throws {
        if precision == .bf16, engineChoice == .openBLAS {
            throw ValidationError("--engine openblas is for fp32 only: bf16 products always run on oneDNN")
        }
    }
}

extension Precision: ExpressibleByArgument {}
extension MatrixEngine: ExpressibleByArgument {}

/// The fine-tuned counter, for `count` and `eval`.
struct CounterOptions: ParsableArguments {
    @Option(help: "Fine-tuned image encoder that picks the counts (a CrowdCLIP .ckpt, or `crowdclip train` output). Default: the base.")
    var counterWeights: String?

    func makeCounter(models: ModelOptions, configuration: CountingConfiguration, engine: MatrixEngine = .openBLAS) throws -> CrowdCounter {
        let base = try models.load(precision: configuration.precision, engine: engine)
        let counter = try counterWeights.map {
            try CLIPModel(path: $0, headWidth: models.headWidth, precision: configuration.precision, engine: engine)
        }
        return try CrowdCounter(base: base, counter: counter, tokenizer: CLIPTokenizer.standard(), configuration: configuration)
    }
}

/// Test-stage options shared by `count` and `eval`. Numbers parse unconditionally, so `--grid -1` gets the
/// range message rather than "missing value".
struct CountingOptions: ParsableArguments {
    /// The library's defaults (the paper's), so the options and `--help` never drift from them.
    private static let paper = CountingConfiguration()

    @Option(parsing: .unconditional, help: "Patches per side, 1…64 (the paper: 3 for ShanghaiTech, 4 for UCF-QNRF).")
    var grid: Int = CountingOptions.paper.grid

    @Option(help: "Count values of the prompts: positive integers, strictly increasing, comma-separated.")
    var counts: String = CountingOptions.paper.countPrompts.values.map(String.init).joined(separator: ",")

    @Option(help: "Count prompt template; must contain {} (replaced by each value).")
    var countTemplate: String = CountingOptions.paper.countPrompts.template

    @Option(help: "Stage 1 classes, comma-separated; the first is the one to keep.")
    var crowdClasses: String = CountingOptions.paper.crowdClasses.joined(separator: ",")

    @Option(help: "Stage 1 template; must contain {}.")
    var crowdTemplate: String = CountingOptions.paper.crowdTemplate

    @Option(help: "Stage 2 classes, comma-separated; the first is the one to keep.")
    var headsClasses: String = CountingOptions.paper.headsClasses.joined(separator: ",")

    @Option(help: "Stage 2 template; must contain {}.")
    var headsTemplate: String = CountingOptions.paper.headsTemplate

    @Option(parsing: .unconditional, help: "Stage 2 keeps a patch when its target is among this many best classes.")
    var headsTopK: Int = CountingOptions.paper.headsTopK

    @Option(help: "argmax (the paper) or expectation (softmax-weighted count).")
    var aggregation: CountingConfiguration.Aggregation = CountingOptions.paper.aggregation

    @Option(parsing: .unconditional, help: "Shrink images whose longer side exceeds this before cutting (UCF-QNRF: 2048).")
    var maxLongSide: Int?

    func validate() throws { _ = try configuration() }

    func configuration() throws -> CountingConfiguration {
        var c = CountingConfiguration()
        c.grid = grid
        for (option, template) in [("--count-template", countTemplate), ("--crowd-template", crowdTemplate), ("--heads-template", headsTemplate)] {
            guard template.contains("{}") else { throw ValidationError("\(option) must contain {} (where each value goes); got \"\(template)\"") }
        }
        c.crowdTemplate = crowdTemplate
        c.headsTemplate = headsTemplate
        c.headsTopK = headsTopK
        c.aggregation = aggregation
        if let m = maxLongSide, m < 1 { throw ValidationError("--max-long-side must be positive (got \(m))") }
        c.maxLongSide = maxLongSide
        let values = try ListOption.integers(counts, option: "--counts")
        guard values.allSatisfy({ $0 > 0 }) else { throw ValidationError("--counts must be positive (got \(counts))") }
        guard zip(values, values.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw ValidationError("--counts must be strictly increasing (got \(counts))")
        }
        c.countPrompts = RankingPrompts(template: countTemplate, values: values)
        c.crowdClasses = try ListOption.strings(crowdClasses, option: "--crowd-classes"); c.crowdTarget = c.crowdClasses[0]
        c.headsClasses = try ListOption.strings(headsClasses, option: "--heads-classes"); c.headsTarget = c.headsClasses[0]
        do { try c.validate() } catch let error as CountingError { throw ValidationError(ErrorMessage.text(for: error)) }
        return c
    }
}

/// Comma-separated option values; a malformed list is an error naming its option.
enum ListOption {
    static func strings(_ text: String, option: String) throws -> [String] {
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !items.contains(where: \.isEmpty) else { throw ValidationError("\(option) has an empty item: \"\(text)\" (give values separated by single commas)") }
        return items
    }

    static func integers(_ text: String, option: String) throws -> [Int] {
        try strings(text, option: option).map {
            guard let v = Int($0) else { throw ValidationError("\(option) must be integers separated by commas; \"\($0)\" is not one") }
            return v
        }
    }
}

extension CountingConfiguration.Aggregation: ExpressibleByArgument {}

/// Messages on standard error, above the progress bar when one is drawn.
/// Safe without a lock: only the main thread touches it. Commands set it around a run, and every `printError`
/// comes from the main thread, since the library calls `onFailure`, `onSkip` and `progress` on its caller's
/// thread (decoding workers never print). `run()` is synchronous, so `@MainActor` would not fit it.
nonisolated(unsafe) var activeProgressBar: ProgressBar?

func printError(_ message: String) {
    let line = "crowdclip: " + message
    if let bar = activeProgressBar { bar.printAbove(line) } else { FileHandle.standardError.write(Data((line + "\n").utf8)) }
}
