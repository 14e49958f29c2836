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

        // Interleaved, best of N each: both figures see the same moments of a shared machine.
        let iterations = options.quick ? 1 : 3
        var passTimes: [Double] = [], countTimes: [Double] = []
        try passes()
        for _ in 0..<iterations {
            var t = BenchTimer.now()
            try passes()
            passTimes.append(BenchTimer.now() - t)
            t = BenchTimer.now()
            _ = try counter.count(imageAt: image)
            countTimes.append(BenchTimer.now() - t)
        }
        let encoder = passTimes.min()!, whole = countTimes.min()!
        print("| figure (best of \(iterations), interleaved) | seconds/image | images/s | ÷ encoder passes |")
        print("|---|---:|---:|---:|")
        func row(_ name: String, _ s: Double) { print(String(format: "| %@ | %.3f | %.3f | %.3f |", name, s, 1 / s, s / encoder)) }
        row("encoder passes: 9 base + \(keptRows.count) kept on the counter", encoder)
        row("count(imageAt:), decode to count", whole)
        print(String(format: "  prompt features once, at construction: %.2f s", setup))
    }
}
