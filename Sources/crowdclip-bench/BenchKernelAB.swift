import CrowdCLIPCore
import Foundation

/// `crowdclip-bench --kernel-ab [--rounds N]`: the ViT-B/16 image tower with per-head OpenBLAS attention products
/// (before issue 12) and with the fused attention kernel (now), alternated in one process (A B, B A, …) so that
/// load from other processes falls on both alike; first the element-wise passes of one block are timed alone.
/// With `--python`, ONNX Runtime (Tools/bench_reference.py) runs after each round, and our fastest runs are also
/// given as ratios to its fastest. `--profile-encoder N` instead encodes N batches of 9 with the defaults (a steady loop for `perf record`).
struct KernelAB {
    let options: BenchOptions
    let rounds: Int

    struct Variant {
        let name: String, attention: Attention.Kernel
        func select() { Attention.kernel = attention }
    }

    static let variants = [Variant(name: "before", attention: .blas), Variant(name: "fused attention", attention: .fused)]

    func run() throws {
        _ = try EncoderBench(options: options).ensureWeights()
        let model = try CLIPModel(path: options.weights)
        let inputs = [1, 9].map { EncoderBench.syntheticImages($0) }
        _ = try model.encodeImages(inputs[0])  // pages the mapped weights in
        passes()
        print("== between-GEMM kernels A/B (\(rounds) rounds, alternated in one process; \(OpenBLAS.threads) OpenBLAS threads)")
        print("| round | batch |" + Self.variants.map { " \($0.name), s |" }.joined())
        print("|---|---|" + String(repeating: "---:|", count: Self.variants.count))
        // seconds[batch index][variant] per round
        var seconds = [[[Double]]](repeating: [[Double]](repeating: [], count: Self.variants.count), count: inputs.count)
        var ort: [[Double]] = [[], []]  // ONNX Runtime images/s at batch 1 and 9, one per round (with --python)
        for r in 0..<rounds {
            for (bi, x) in inputs.enumerated() {
                // One run each, the order rotated every round so that no variant always follows the same one.
                for k in 0..<Self.variants.count {
                    let vi = (k + r) % Self.variants.count
                    Self.variants[vi].select()
                    seconds[bi][vi].append(try BenchTimer.best(iterations: 1, warmup: 0) { _ = try model.encodeImages(x) })
                }
                print("| \(r) | \(x.shape[0]) |" + seconds[bi].map { String(format: " %.4f |", $0[r]) }.joined())
            }
            if options.pythonAvailable, let python = options.python {
                let ref = try EncoderBench.reference(python: python, weights: options.weights, iters1: 3, iters9: 2,
                                                     extra: ["--onnx-only"])
                for (bi, key) in ["ort_images_per_s_b1", "ort_images_per_s_b9"].enumerated() {
                    if let v = ref[key] as? Double { ort[bi].append(v) }
                }
                print(String(format: "| %d | ONNX Runtime images/s, batch 1 / 9 | %.2f / %.2f |", r, ort[0].last ?? 0, ort[1].last ?? 0))
            }
        }
        Self.variants.last!.select()
        for (bi, x) in inputs.enumerated() {
            print("batch \(x.shape[0]), fastest run: " + Self.variants.indices.map {
                String(format: "%@ %.2f images/s", Self.variants[$0].name, Double(x.shape[0]) / seconds[bi][$0].min()!)
            }.joined(separator: ", "))
        }
        if !ort[0].isEmpty {
            // Our fastest run against ONNX Runtime's fastest, both taken from the same alternation.
            for (bi, x) in inputs.enumerated() {
                let best = ort[bi].max()!
                print(String(format: "batch %d, ONNX Runtime %.2f images/s; ", x.shape[0], best) + Self.variants.indices.map {
                    String(format: "%@ %.3f×", Self.variants[$0].name, Double(x.shape[0]) / seconds[bi][$0].min()! / best)
                }.joined(separator: ", "))
            }
        }
        func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
        for (bi, x) in inputs.enumerated() {
            // Ratios within each round (same load), their median; and the ratio of each variant's fastest run.
            let ratios = Self.variants.indices.dropFirst().map { vi in
                String(format: "%@ %.3f× (fastest runs %.3f×)", Self.variants[vi].name,
                       median(zip(seconds[bi][0], seconds[bi][vi]).map { $0 / $1 }),
                       seconds[bi][0].min()! / seconds[bi][vi].min()!)
            }
            print("batch \(x.shape[0]), speed over before (median of per-round ratios): " + ratios.joined(separator: ", "))
        }
    }

    /// The element-wise passes of one batch-9 block alone, each right after a GEMM (so that OpenBLAS's idle
    /// threads are spinning, as in a forward pass): what they cost between the GEMMs.
    func passes(rounds: Int = 30) {
        let rows = 9 * 197, w = 768, h = 4 * w
        let x = TensorStorage(count: rows * h), y = TensorStorage(count: rows * h), g = TensorStorage(count: h)
        for i in 0..<x.count { x.pointer[i] = Float(i % 17) * 0.1 - 0.8 }
        for i in 0..<h { g.pointer[i] = 1 }
        let a = TensorStorage(count: 256 * w), b = TensorStorage(count: w * w), c = TensorStorage(count: 256 * w)
        var best = [Double](repeating: .infinity, count: 3)
        for _ in 0..<rounds {
            OpenBLAS.sgemm(transB: true, m: 256, n: w, k: w, a: a.pointer, lda: w, b: b.pointer, ldb: w, c: c.pointer, ldc: w)
            let t0 = BenchTimer.now()
            TensorOps.layerNorm(x.pointer, y.pointer, rows: rows, cols: w, gamma: g.pointer, beta: g.pointer)
            TensorOps.layerNorm(x.pointer, y.pointer, rows: rows, cols: w, gamma: g.pointer, beta: g.pointer)
            let t1 = BenchTimer.now()
            TensorOps.quickGELU(y.pointer, count: rows * h)
            let t2 = BenchTimer.now()
            TensorOps.fillRows(y.pointer, rows: rows, cols: 3 * w, with: g.pointer)
            TensorOps.fillRows(y.pointer, rows: rows, cols: h, with: g.pointer)
            TensorOps.addBias(y.pointer, rows: rows, cols: w, bias: g.pointer)
            TensorOps.addBias(y.pointer, rows: rows, cols: w, bias: g.pointer)
            let t3 = BenchTimer.now()
            best = zip(best, [t1 - t0, t2 - t1, t3 - t2]).map { min($0, $1) }
        }
        print("== element-wise passes of one batch-9 block (1773 rows), fastest of \(rounds), ms")
        print(String(format: "  LayerNorm ×2 %.3f, QuickGELU %.3f, bias passes ×4 %.3f", best[0] * 1e3, best[1] * 1e3, best[2] * 1e3))
    }

    /// Encodes `batches` batches of 9 and prints the images/s (for `perf record`).
    func profile(batches: Int) throws {
        _ = try EncoderBench(options: options).ensureWeights()
        let model = try CLIPModel(path: options.weights)
        let x9 = EncoderBench.syntheticImages(9)
        let t0 = BenchTimer.now()
        for _ in 0..<batches { _ = try model.encodeImages(x9) }
        print(String(format: "%.2f images/s over %d batches of 9", Double(9 * batches) / (BenchTimer.now() - t0), batches))
    }
}
