import CrowdCLIPCore
import Foundation

/// The training section of `make bench`: one ranking-loss step on six 224×224 crops of ViT-B/16 (forward with
/// activations, backward, RAdam update), steps/s and peak memory, beside PyTorch's same step
/// (Tools/bench_torch_training.py) when the venv python exists.
struct TrainingBench {
    let options: BenchOptions

    func run() throws {
        print("== training step, ViT-B/16, six crops (\(options.weights))")
        let step = try TrainingBenchStep(weights: options.weights)
        let iterations = options.quick ? 1 : 3
        let seconds = try BenchTimer.best(iterations: iterations) { try step.run() }
        let rss = BenchTimer.peakRSS
        print(String(format: "  crowdclip: %.3f steps/s (%.2f crops/s), peak RSS %.2f GB (whole bench process)",
                     1 / seconds, 6 / seconds, Double(rss) / 1e9))
        guard options.pythonAvailable, let python = options.python else {
            print("  PyTorch: skipped (no venv python; `make venv` for the reference)")
            return
        }
        let out = try EncoderBench.runProcess(python, ["Tools/bench_torch_training.py", "--weights", options.weights,
                                                       "--iters", String(iterations)])
        guard let line = out.split(separator: "\n").last(where: { $0.hasPrefix("{") }),
              let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Double],
              let torchSeconds = json["step_seconds"] else {
            print("  PyTorch: no result (\(out.suffix(200)))")
            return
        }
        print(String(format: "  PyTorch:   %.3f steps/s, peak RSS %.2f GB", 1 / torchSeconds, (json["peak_rss_gb"] ?? 0)))
        print(String(format: "  ratio crowdclip / PyTorch: %.2f×", torchSeconds / seconds))
    }
}
