import CrowdCLIPCore
import Foundation

/// The encoder section of `make bench`: ViT-B/16 image throughput at batch 1 and 9, text prompts/s, load time,
/// peak RSS, the sgemm roofline on the model's own shapes, and the same figures from open_clip + PyTorch and
/// ONNX Runtime (Tools/bench_reference.py) when the venv python exists.
struct EncoderBench {
    let options: BenchOptions
    static let prompts = [0, 10, 20, 50, 100, 200, 500, 1000, 2000].map { "There are \($0) persons in the crowd" }

    func run() throws {
        let info = try SystemInfo.current()
        print("== machine")
        for (k, v) in info.lines { print("  \(k): \(v)") }
        let wroteWeights = try ensureWeights()

        print("== crowdclip ViT-B/16 (\(options.weights))")
        let t0 = BenchTimer.now()
        let model = try CLIPModel(path: options.weights)
        let loadSeconds = BenchTimer.now() - t0
        let iters1 = options.quick ? 2 : 5, iters9 = options.quick ? 1 : 4
        let x1 = Self.syntheticImages(1), x9 = Self.syntheticImages(9)
        // The weights are memory-mapped, so the first image also pages them in.
        let firstImage = try BenchTimer.best(iterations: 1, warmup: 0) { _ = try model.encodeImages(x1) }
        let engines = Self.engines(fp32OpenBLAS: model, weights: options.weights)
        let b1 = try Self.alternated(engines.map(\.model), x1, iterations: iters1)
        let b9 = try Self.alternated(engines.map(\.model), x9, iterations: iters9)
        let tokenizer = try CLIPTokenizer.standard()
        let text = try BenchTimer.best(iterations: iters9, warmup: BenchTimer.warmupCalls) { _ = try model.encodeTexts(Self.prompts, tokenizer: tokenizer) }
        let rss = BenchTimer.peakRSS
        let ours: [String: Double] = [
            "text": Double(Self.prompts.count) / text, "load": loadSeconds, "first": loadSeconds + firstImage,
        ]
        let roof1 = Roofline.measure(batch: 1, quick: options.quick)
        let roof9 = Roofline.measure(batch: 9, quick: options.quick)

        var ref: [String: Any] = [:]
        var note = ""
        if options.pythonAvailable, let python = options.python {
            print("== running Tools/bench_reference.py (open_clip + PyTorch, ONNX Runtime)")
            do { ref = try Self.reference(python: python, weights: options.weights, iters1: iters1, iters9: iters9) } catch {
                note = "reference failed: \(error)"
            }
        } else {
            note = "no venv python (\(options.python ?? "--python not given")): PyTorch/ONNX Runtime figures skipped"
        }

        func num(_ key: String) -> Double? { ref[key] as? Double }
        func cell(_ v: Double?, _ digits: Int = 2) -> String { v.map { String(format: "%.\(digits)f", $0) } ?? "–" }
        print("== results (best of \(iters1) runs at batch 1, \(iters9) at batch 9 and for texts; \(OpenBLAS.threads) OpenBLAS threads)")
        // Rows are engine × batch: each reference column is followed by that engine's ratio to it, so the issue 12
        // targets (bf16 against PyTorch bf16 and ONNX Runtime, fp32 of each engine against ONNX Runtime) read off
        // directly. A new engine of ours is one more entry in `engines`.
        var rows: [ComparisonTable.Row] = []
        for (batch, seconds) in [(1, b1), (9, b9)] {
            let refs = [num("torch_images_per_s_b\(batch)"), num("torch_bf16_images_per_s_b\(batch)"),
                        num("ort_images_per_s_b\(batch)")]
            for (e, engine) in engines.enumerated() {
                let ips = seconds[e].map { Double(batch) / $0 }
                rows.append(.init("images/s, batch \(batch), \(engine.name)", ips, refs))
            }
        }
        rows.append(.init("text encoder, prompts/s (9 prompts)", ours["text"], [num("torch_prompts_per_s"), nil, nil]))
        let table = ComparisonTable(references: ["PyTorch", "PyTorch bf16", "ONNX Runtime"], rows: rows)
        table.printHeader()
        table.printRows()
        // Rows with no reference figure, or PyTorch's only, leave the other cells empty.
        let blanks = String(repeating: " |", count: 2 * table.references.count)
        let blanksAfterPyTorch = String(blanks.dropFirst(2))
        print("| load time, s | \(cell(ours["load"])) | \(cell(num("load_s")))" + blanksAfterPyTorch)
        print("| load + first image (cold), s | \(cell(ours["first"])) | \(cell(num("first_s")))" + blanksAfterPyTorch)
        let rssNote = wroteWeights ? " (includes writing the weights: run again for the encoder alone)" : ""
        print("| peak RSS, MB, with every engine above loaded\(rssNote) | \(String(format: "%.0f", Double(rss) / 1_048_576)) |\(blanks)")
        print("| sgemm roofline, GFLOP/s (batch 1 / 9) | \(cell(roof1.gflops, 1)) / \(cell(roof9.gflops, 1)) |\(blanks)")
        print("| images/s if only GEMMs took time (batch 1 / 9) | \(cell(roof1.imagesPerSecond)) / \(cell(roof9.imagesPerSecond)) |\(blanks)")
        if let v = ref["torch"] as? String { print("reference: torch \(v), open_clip \(ref["open_clip"] ?? "?"), onnxruntime \(ref["onnxruntime"] ?? "?"), \(ref["threads"] ?? "?") threads") }
        if let e = ref["onnx_error"] as? String { print("onnx: \(e)") }
        if !note.isEmpty { print("note: \(note)") }
        if ref["torch"] != nil && ref["torch_bf16_images_per_s_b1"] == nil { print("note: no PyTorch bf16 figures (bench_reference.py --no-bf16)") }
        for engine in engines where engine.model == nil { print("note: \(engine.name): – \(engine.whyNot)") }
        if let fp32b1 = b1[0], let fp32b9 = b9[0] {
            print(String(format: "model GEMM share (fp32 OpenBLAS): batch 1 %.0f%%, batch 9 %.0f%% of the measured time",
                         100 * (1 / roof1.imagesPerSecond) / fp32b1, 100 * (9 / roof9.imagesPerSecond) / fp32b9))
        }
    }

    /// One of crowdclip's engines for the image rows: `model` is nil where it cannot run here, `whyNot` says why.
    struct Engine {
        let name: String, model: CLIPModel?, whyNot: String
    }

    /// fp32 on OpenBLAS (the default), fp32 on oneDNN and bf16 on oneDNN, on the same weights file.
    static func engines(fp32OpenBLAS: CLIPModel, weights: String) -> [Engine] {
        var oneDNNFP32: CLIPModel?, bf16: CLIPModel?, whyNotOneDNN = "", whyNotBF16 = ""
        do { oneDNNFP32 = try CLIPModel(path: weights, engine: .oneDNN) } catch { whyNotOneDNN = "\(error)" }
        if let kernel = CLIPModel.bf16KernelDescription {
            do { bf16 = try CLIPModel(path: weights, precision: .bf16) } catch { whyNotBF16 = "\(error)" }
            if bf16 != nil { print("bf16 on \(kernel)") }
        } else {
            whyNotBF16 = "bf16 cannot run here (needs AVX512-BF16 or AMX-BF16 and libdnnl)"
        }
        return [
            Engine(name: "crowdclip fp32 OpenBLAS", model: fp32OpenBLAS, whyNot: ""),
            Engine(name: "crowdclip fp32 oneDNN", model: oneDNNFP32, whyNot: whyNotOneDNN),
            Engine(name: "crowdclip bf16 oneDNN", model: bf16, whyNot: whyNotBF16),
        ]
    }

    /// Best seconds per call of each model on `x`, timed in alternation (A B C A B C …) so that the ratios between
    /// engines hold on a shared machine; nil for a model that cannot run. Every model first gets
    /// `BenchTimer.warmupCalls` untimed calls (oneDNN creates its primitives and reorders weights on the first
    /// calls at a new shape), the rule Tools/bench_reference.py follows too.
    static func alternated(_ models: [CLIPModel?], _ x: Tensor, iterations: Int) throws -> [Double?] {
        for _ in 0..<BenchTimer.warmupCalls { for model in models { _ = try model?.encodeImages(x) } }
        var best = [Double?](repeating: nil, count: models.count)
        for _ in 0..<max(iterations, 1) {
            for (i, model) in models.enumerated() {
                guard let model else { continue }
                let t0 = BenchTimer.now()
                _ = try model.encodeImages(x)
                best[i] = min(best[i] ?? .infinity, BenchTimer.now() - t0)
            }
        }
        return best
    }

    /// The weights are written once: by Python (Tools/bench_reference.py) when the venv exists, else here; both
    /// write the seeded ViT-B/16 of seed 90 (SeededCLIPWeights, Tools/seeded_weights.py), the same values.
    /// Returns true when this process wrote them (then its peak RSS includes the writing).
    func ensureWeights() throws -> Bool {
        guard !FileManager.default.fileExists(atPath: options.weights) else { return false }
        if options.pythonAvailable, let python = options.python {
            print("writing \(options.weights) with Tools/seeded_weights.py (seeded ViT-B-16, seed 90)")
            _ = try Self.runProcess(python, ["Tools/bench_reference.py", "--weights", options.weights, "--write-weights", "--write-only"])
        } else {
            print("writing \(options.weights) (seeded ViT-B-16, seed 90, from Swift: no venv python)")
            try RandomCLIPWeights.write(to: options.weights)
            return true
        }
        return false
    }

    static func reference(python: String, weights: String, iters1: Int, iters9: Int, extra: [String] = []) throws -> [String: Any] {
        let args = ["Tools/bench_reference.py", "--weights", weights, "--iters1", "\(iters1)", "--iters9", "\(iters9)"] + extra
        let out = try runProcess(python, args)
        guard let line = out.split(separator: "\n").last, let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        else { throw BenchError("bench_reference.py printed no JSON") }
        return obj
    }

    /// Runs a command, passing its stderr through, and returns its stdout.
    static func runProcess(_ exe: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw BenchError("\(exe) \(args.joined(separator: " ")) exited with \(p.terminationStatus)") }
        return String(decoding: data, as: UTF8.self)
    }

    /// The same deterministic inputs as `synthetic_images` in Tools/tiny_clip.py.
    static func syntheticImages(_ n: Int, size: Int = 224) -> Tensor {
        let t = Tensor(zeros: [n, 3, size, size])
        let p = t.pointer
        var i = 0
        for b in 0..<n { for c in 0..<3 { for h in 0..<size { for w in 0..<size {
            let a = 0.05 * Double(b + 1) * Double(h) + 0.031 * Double(c + 1) * Double(w) + 0.7 * Double(b)
            p[i] = Float(1.5 * sin(a) + 0.2 * cos(0.013 * Double(h) * Double(c + 1)))
            i += 1
        } } } }
        return t
    }
}

/// The results table: crowdclip's figure, then each reference's figure and crowdclip's ratio to it (how many times
/// faster crowdclip is: seconds are divided the other way round).
struct ComparisonTable {
    struct Row {
        let name: String, ours: Double?, references: [Double?]
        init(_ name: String, _ ours: Double?, _ references: [Double?]) { self.name = name; self.ours = ours; self.references = references }
    }
    let references: [String]
    let rows: [Row]
    /// True when the figures are seconds rather than rates.
    var lowerIsBetter = false

    func printHeader() {
        let ratio = { (r: String) in lowerIsBetter ? "\(r)/crowdclip" : "crowdclip/\(r)" }
        print("| figure | crowdclip |" + references.map { " \($0) | \(ratio($0)) |" }.joined())
        print("|---|---:|" + String(repeating: "---:|---:|", count: references.count))
    }

    func printRows() {
        for row in rows {
            let cells = references.indices.map { i -> String in
                let r = i < row.references.count ? row.references[i] : nil
                return " \(Self.cell(r)) | \(lowerIsBetter ? Self.ratio(r, row.ours) : Self.ratio(row.ours, r)) |"
            }
            print("| \(row.name) | \(Self.cell(row.ours)) |" + cells.joined())
        }
    }

    static func cell(_ v: Double?) -> String { v.map { String(format: "%.2f", $0) } ?? "–" }
    static func ratio(_ a: Double?, _ b: Double?) -> String {
        guard let a, let b, b > 0 else { return "–" }
        return String(format: "%.2f×", a / b)
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// GFLOP/s of OpenBLAS on exactly the products one ViT-B/16 forward pass makes, and the throughput that would
/// follow if nothing but those products took time.
enum Roofline {
    struct Result { let gflops: Double; let imagesPerSecond: Double }

    static func measure(batch: Int, quick: Bool) -> Result {
        let w = 768, t = 197, heads = 12, d = 64, layers = 12
        let m = batch * t
        // (m, n, k, transB, lda, ldb, times per forward)
        let shapes: [(Int, Int, Int, Bool, Int, Int, Int)] = [
            (batch * 196, w, 768, true, 768, 768, 1),          // patch embedding
            (m, 3 * w, w, true, w, w, layers),                  // fused QKV
            (m, w, w, true, w, w, layers),                      // attention output
            (m, 4 * w, w, true, w, w, layers),                  // MLP up
            (m, w, 4 * w, true, 4 * w, 4 * w, layers),          // MLP down
            (t, t, d, true, 3 * w, 3 * w, layers * heads * batch), // QKᵀ per (image, head)
            (t, d, t, false, t, 3 * w, layers * heads * batch),    // softmax · V
        ]
        var totalFlops = 0.0, totalSeconds = 0.0
        for (mm, n, k, tb, lda, ldb, count) in shapes {
            let a = TensorStorage(count: mm * lda), b = TensorStorage(count: max(n * ldb, k * ldb)), c = TensorStorage(count: mm * n)
            for i in 0..<a.count { a.pointer[i] = Float(i % 13) * 0.01 }
            for i in 0..<b.count { b.pointer[i] = Float(i % 7) * 0.01 }
            let reps = max(1, min(count, quick ? 2 : 8))
            let s = BenchTimer.best(iterations: 3) {
                for _ in 0..<reps {
                    OpenBLAS.sgemm(transB: tb, m: mm, n: n, k: k, a: a.pointer, lda: lda, b: b.pointer, ldb: ldb,
                               c: c.pointer, ldc: n)
                }
            } / Double(reps)
            let flops = 2.0 * Double(mm) * Double(n) * Double(k)
            totalFlops += flops * Double(count)
            totalSeconds += s * Double(count)
        }
        return Result(gflops: totalFlops / totalSeconds / 1e9, imagesPerSecond: Double(batch) / totalSeconds)
    }
}
