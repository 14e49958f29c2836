import CrowdCLIPCore
import Foundation

/// The counting section of `make bench`: whole-image counting (decode → grid 3 → filters → counts) with the
/// benchmark's ViT-B/16 as base and counter. The text side is computed once, when the counter is built.
struct CountingBench {
    let options: BenchOptions

    func run() throws {
        // A 1024×768 JPEG: a mini-crowd photo from ../shared when present, else the larger demo sample.
        let shared = "../shared/data/mini-crowd/test_data/images/IMG_1.jpg"
        let image = FileManager.default.fileExists(atPath: shared) ? shared : "Docs/samples/street-crowd.jpg"
        let decoded = try ImageIO.decode(path: image)
        print("== counting, grid 3, \(decoded.width)×\(decoded.height) JPEG (\(image))")
        let model = try CLIPModel(path: options.weights)
        let t0 = BenchTimer.now()
        let counter = try CrowdCounter(base: model, counter: try CLIPModel(path: options.weights), tokenizer: try CLIPTokenizer.standard())
        let setup = BenchTimer.now() - t0
        let seconds = try BenchTimer.best(iterations: options.quick ? 1 : 3) { _ = try counter.count(imageAt: image) }
        print(String(format: "  crowdclip: %.2f images/s decode to count (prompt features once: %.2f s)", 1 / seconds, setup))
    }
}
