import ArgumentParser
import CrowdCLIPCore
import Foundation

struct EmbedText: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "text", abstract: "Features of texts (one line per text).")

    @OptionGroup var model: ModelOptions
    @OptionGroup var precision: PrecisionOptions

    @Argument(help: "Texts to embed.")
    var texts: [String]

    func run() throws {
        let clip = try model.load(precision: precision.precision, engine: precision.engine)
        let features = try clip.encodeTexts(texts, tokenizer: try CLIPTokenizer.standard())
        for i in 0..<texts.count { print(jsonRow(features, i)) }
    }
}
