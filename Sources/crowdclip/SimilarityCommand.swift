import ArgumentParser
import CrowdCLIPCore
import Foundation

/// `crowdclip similarity`: CLIP zero-shot probabilities of texts for one image.
struct SimilarityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "similarity",
        abstract: "Zero-shot probabilities (softmax of logit_scale · cosine) of each text for an image: one line per text, `probability<TAB>text`.")

    @OptionGroup var model: ModelOptions
    @OptionGroup var precision: PrecisionOptions

    @Option(name: .long, help: "JPEG, PNG or .npy ([3,H,W] or [1,3,H,W]) file.")
    var image: String

    @Option(name: .long, help: "Pipeline for JPEG/PNG files: crowdclip or clip.")
    var preprocess: Preprocessing = .crowdclip

    @Argument(help: "Candidate texts.")
    var texts: [String]

    func validate() throws {
        guard !texts.isEmpty else { throw ValidationError("give at least one text") }
    }

    func run() throws {
        let clip = try model.load(precision: precision.precision, engine: precision.engine)
        let batch = try ImageInput.load(path: image, preprocessing: preprocess)
        guard batch.shape[0] == 1 else { throw EncoderError.badInput(reason: "\(image) holds \(batch.shape[0]) images; give exactly one") }
        let img = try clip.encodeImages(batch)
        let txt = try clip.encodeTexts(texts, tokenizer: try CLIPTokenizer.standard())
        let p = clip.probabilities(imageFeatures: img, textFeatures: txt)
        for (i, text) in texts.enumerated() { print(String(format: "%.6f", p[flat: i]) + "\t" + text) }
    }
}
