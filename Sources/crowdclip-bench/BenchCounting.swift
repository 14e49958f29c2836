import CrowdCLIPCore
import Foundation

/// The counting section of `make bench`: whole-image counting (decode → grid 3 → filters → counts) with the
/// benchmark's ViT-B/16 as base and as a separate counter, against the encoder passes that counting needs (the
/// 9 patches on the base, the kept ones on the counter, in the same batches). The text side is computed once,
/// when the counter is built. `crowdclip-bench --counting` runs this section alone.
struct CountingBench {
    let options: BenchOptions

    func run() throws {
        // A 1024×768 JPEG: a mini-crowd photo from ../shared when present, else the larger demo sample.
        let shared = "../shared/data/mini-crowd/test_data/images/IMG_1.jpg"
        let image = FileManager.default.fileExists(atPath: shared) ? shared : "Docs/samples/street-crowd.jpg"
        let decoded = try ImageIO.decode(path: image)
        print("== counting, grid 3, \(decoded.width)×\(decoded.height) JPEG (\(image))")
        let base = try CLIPModel(path: options.weights), fineTuned = try CLIPModel(path: options.weights)
        let t0 = BenchTimer.now()
        let counter = try CrowdCounter(base: base, counter: fineTuned, tokenizer: try CLIPTokenizer.standard())
        let setup = BenchTimer.now() - t0

        // The encoder passes alone, on the very patches counting feeds them.
        let first = try counter.count(decoded, name: image)
        let patches = Preprocessing.crowdclip.batch(first.patches.map { decoded.cropped(to: $0.box) })
        let keptRows = first.patches.indices.filter { first.patches[$0].selected }
        let kept = Tensor(zeros: [keptRows.count] + Array(patches.shape.dropFirst()))
        let plane = patches.count / max(patches.shape[0], 1)
        for (k, r) in keptRows.enumerated() { (kept.pointer + k * plane).update(from: patches.pointer + r * plane, count: plane) }
        func passes() throws {
            _ = try base.encodeImages(patches)
            if !keptRows.isEmpty { _ = try fineTuned.encodeImages(kept) }
        }

        // A batch of the same photo, overlapped and sequential, in seconds per image.
        let copies = 2
        func batch(overlap: Bool) throws -> Double {
            let run = try BatchCounting(counter: counter, format: .jsonl) { _ in }
            run.overlap = overlap
            let t = BenchTimer.now()
            _ = try run.run(Array(repeating: image, count: copies))
            return (BenchTimer.now() - t) / Double(copies)
        }
        // Interleaved, best of N each: all figures see the same moments of a shared machine.
        let iterations = options.quick ? 1 : 3
        var times: [String: [Double]] = [:]
        func time(_ key: String, _ body: () throws -> Void) rethrows {
            let t = BenchTimer.now()
            try body()
            times[key, default: []].append(BenchTimer.now() - t)
        }
        try passes()
        for _ in 0..<iterations {
            try time("passes") { try passes() }
            try time("count") { _ = try counter.count(imageAt: image) }
            times["overlapped", default: []].append(try batch(overlap: true))
            times["sequential", default: []].append(try batch(overlap: false))
        }
        func best(_ key: String) -> Double { times[key]!.min()! }
        let encoder = best("passes")
        // What a batch does without the encoders, and hides behind them with overlap on.
        let prepare = try BenchTimer.best(iterations: 5) { _ = try counter.prepare(try ImageIO.decode(path: image), name: image) }
        print("| figure (best of \(iterations), interleaved) | seconds/image | images/s | ÷ encoder passes |")
        print("|---|---:|---:|---:|")
        func row(_ name: String, _ s: Double) { print(String(format: "| %@ | %.3f | %.3f | %.3f |", name, s, 1 / s, s / encoder)) }
        row("encoder passes: 9 base + \(keptRows.count) kept on the counter", encoder)
        row("count(imageAt:), decode to count", best("count"))
        row("BatchCounting of \(copies) copies, overlapped, per image", best("overlapped"))
        row("BatchCounting of \(copies) copies, sequential, per image", best("sequential"))
        row("decode + cut + first batch preprocessed (best of 5)", prepare)
        print(String(format: "  prompt features once, at construction: %.2f s", setup))
    }
}
