import CrowdCLIPCore
import Foundation

/// The precision section of `make bench` (`--precision` runs it alone): the ViT-B/16 image tower in fp32 on
/// OpenBLAS, bf16 on oneDNN and fp32 on oneDNN, at batch 1 and 9, timed in alternation (A B C A B C …) in this
/// one process so that the ratios hold on a shared machine; with the bf16 features' cosine to fp32.
struct PrecisionBench {
    let options: BenchOptions

    func run() throws {
        guard let kernel = CLIPModel.bf16KernelDescription else {
            print("== precision: bf16 cannot run here (needs AVX512-BF16 or AMX-BF16 and libdnnl); skipped")
            return
        }
        print("== precision: ViT-B/16 image tower (\(options.weights)); bf16 on \(kernel)")
        let engines: [(String, CLIPModel)] = [
            ("fp32, OpenBLAS", try CLIPModel(path: options.weights)),
            ("bf16, oneDNN", try CLIPModel(path: options.weights, precision: .bf16)),
            ("fp32, oneDNN", try CLIPModel(path: options.weights, engine: .oneDNN)),
        ]
        let rounds = options.quick ? 2 : 5
        var rows: [String] = []
        for batch in [1, 9] {
            let x = EncoderBench.syntheticImages(batch)
            var best = [Double](repeating: .infinity, count: engines.count)
            for (_, model) in engines { _ = try model.encodeImages(x) }  // pages the weights in, compiles primitives
            for _ in 0..<rounds {
                for (e, (_, model)) in engines.enumerated() {
                    let t0 = BenchTimer.now()
                    _ = try model.encodeImages(x)
                    best[e] = min(best[e], BenchTimer.now() - t0)
                }
            }
            let fp32 = try engines[0].1.encodeImages(x), bf16 = try engines[1].1.encodeImages(x)
            var cosine: Float = 1  // the features are L2-normalised: the dot product is the cosine
            let dim = fp32.shape[1]
            for i in 0..<batch {
                var dot: Float = 0
                for j in 0..<dim { dot += fp32[flat: i * dim + j] * bf16[flat: i * dim + j] }
                cosine = min(cosine, dot)
            }
            for (e, (name, _)) in engines.enumerated() {
                let ratio = best[0] / best[e]
                rows.append(String(format: "| %@ | %d | %.2f | %.2f× |%@", name, batch, Double(batch) / best[e], ratio,
                                   e == 1 ? String(format: " 1 − cosine to fp32 ≤ %.1e |", 1 - cosine) : " |"))
            }
        }
        print("== results (best of \(rounds) alternated runs per engine)")
        print("| engine | batch | images/s | vs fp32 OpenBLAS | features |")
        print("|---|---:|---:|---:|---|")
        rows.forEach { print($0) }
    }
}
