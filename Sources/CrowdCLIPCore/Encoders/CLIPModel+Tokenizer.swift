import Foundation

extension CLIPModel {
    /// Tokenizes `texts` for this model's context length and returns their L2-normalised features `[N, E]`.
    public func encodeTexts(_ texts: [String], tokenizer: CLIPTokenizer) throws -> Tensor {
        guard let text = config.text else {
            throw EncoderError.missingTower(file: source, tower: "text encoder (token_embedding and transformer.* weights)")
        }
        return try encodeTexts(tokenizer.tokenize(texts, contextLength: text.contextLength))
    }
}
