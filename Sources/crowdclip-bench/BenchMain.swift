import CrowdCLIPCore
import Foundation

/// `crowdclip-bench [--python PATH] [--weights PATH] [--quick] [--counting]`: runs each benchmark section (or, with
/// `--counting`, only the counting one) and prints its table.
/// Sections live one per file (BenchEncoders.swift, …); they share `BenchOptions` and `BenchTimer`.
enum BenchMain {
    static func run(arguments: [String]) {
        var options = BenchOptions()
        var abRounds: Int?, profileBatches: Int?
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            func value() -> String? { i + 1 < arguments.count ? arguments[i + 1] : nil }
            switch a {
            case "--python": options.python = value(); i += 1
            case "--weights": options.weights = value() ?? options.weights; i += 1
            case "--quick": options.quick = true
            case "--counting": options.countingOnly = true
            case "--kernel-ab": abRounds = 5
            case "--rounds": abRounds = value().flatMap(Int.init) ?? 5; i += 1
            case "--profile-encoder": profileBatches = value().flatMap(Int.init) ?? 3; i += 1
            case "--before": KernelAB.variants[0].select()
            case "--precision": options.precisionOnly = true
            case "--whole-process": options.wholeProcessOnly = true
            case "--help", "-h":
                print("usage: crowdclip-bench [--python VENV_PYTHON] [--weights FILE] [--quick] [--counting | --precision | --whole-process]")
                print("       crowdclip-bench --kernel-ab [--rounds N] | --profile-encoder BATCHES [--before]")
                return
            default:
                FileHandle.standardError.write(Data("crowdclip-bench: unknown argument \(a)\n".utf8))
                return
            }
            i += 1
        }
        do {
            if let abRounds { return try KernelAB(options: options, rounds: abRounds).run() }
            if let profileBatches { return try KernelAB(options: options, rounds: 0).profile(batches: profileBatches) }
            if options.countingOnly {
                _ = try EncoderBench(options: options).ensureWeights()
                print("== machine")
                for (k, v) in try SystemInfo.current().lines { print("  \(k): \(v)") }
                try CountingBench(options: options).run()
                return
            }
            if options.precisionOnly {
                _ = try EncoderBench(options: options).ensureWeights()
                try PrecisionBench(options: options).run()
                return
            }
            if options.wholeProcessOnly {
                _ = try EncoderBench(options: options).ensureWeights()
                try WholeProcessBench(options: options).run()
                return
            }
            try EncoderBench(options: options).run()
            try PrecisionBench(options: options).run()
            try WholeProcessBench(options: options).run()
            try CountingBench(options: options).run()
            try TrainingBench(options: options).run()
        } catch {
            FileHandle.standardError.write(Data("crowdclip-bench: \(error)\n".utf8))
        }
    }
}

struct BenchOptions {
    /// The venv python with torch/open_clip/onnxruntime for the reference figures (skipped when absent).
    var python: String?
    /// The random full-size ViT-B/16 shared with the Python reference.
    var weights = ".build/bench/vit-b-16.safetensors"
    /// Fewer iterations (a smoke run).
    var quick = false
    /// Only the counting section (`--counting`).
    var countingOnly = false
    /// Only the fp32 / bf16 section (`--precision`, BenchPrecision.swift).
    var precisionOnly = false
    /// Only the whole-process section (`--whole-process`, BenchWholeProcess.swift).
    var wholeProcessOnly = false

    var pythonAvailable: Bool { python.map { FileManager.default.isExecutableFile(atPath: $0) } ?? false }
}

enum BenchTimer {
    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// Untimed calls before timing an encoder at a new batch size, for every engine and every reference column
    /// (Tools/bench_reference.py's `WARMUP`), so that none includes oneDNN's primitive creation or first-touch.
    static let warmupCalls = 2

    /// Best (shortest) seconds of `iterations` runs after `warmup` untimed ones: on a shared machine the
    /// minimum is the figure least disturbed by other processes (the Python reference does the same).
    static func best(iterations: Int, warmup: Int = 1, _ body: () throws -> Void) rethrows -> Double {
        for _ in 0..<warmup { try body() }
        var times: [Double] = []
        for _ in 0..<max(iterations, 1) {
            let t0 = now()
            try body()
            times.append(now() - t0)
        }
        return times.min() ?? 0
    }

    /// Peak resident set size of this process in bytes (getrusage reports KiB on Linux).
    static var peakRSS: Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Int(usage.ru_maxrss) * 1024
    }
}
