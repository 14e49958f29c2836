import Foundation

/// Model geometry, read from the weights themselves (never from a model name).
struct CLIPConfig: Sendable, Equatable {
    /// The image tower: width, number of residual blocks, attention heads, patch side and input side in pixels.
    struct Vision: Sendable, Equatable {
        /// Residual width, block count, attention heads, patch side and square input side (pixels).
        package var width: Int, layers: Int, heads: Int, patchSize: Int, imageSize: Int
        /// Patches per side (`imageSize / patchSize`: 14 for ViT-B/16).
        var gridSize: Int { imageSize / patchSize }
        /// Sequence length: one token per patch plus the class token.
        var tokens: Int { gridSize * gridSize + 1 }
    }
    /// The text tower: width, number of residual blocks, attention heads, vocabulary size and context length.
    struct Text: Sendable, Equatable {
        /// Residual width, block count, attention heads, vocabulary size (49,408) and context length (77).
        package var width: Int, layers: Int, heads: Int, vocabSize: Int, contextLength: Int
    }
    /// The image tower, nil when the weights hold only a text encoder.
    var vision: Vision?
    /// The text tower, nil when the weights hold only an image encoder (a CrowdCLIP counter).
    package var text: Text?
    /// Size of the joint embedding both towers project into (512 for ViT-B/16).
    var embedDim: Int
    /// The MLP activation: QuickGELU in OpenAI's models, exact GELU where a Hugging Face config says so.
    var activation: Activation

    /// The MLP activation of the residual blocks (`quick_gelu` is `x · sigmoid(1.702 x)`).
    enum Activation: String, Sendable { case quickGELU = "quick_gelu", gelu }

    /// Infers the configuration. Heads are `width / headWidth` (64 in every released CLIP) unless the weights
    /// carry hints (a Hugging Face `config.json`).
    package static func infer(from w: WeightStore, headWidth: Int = 64) throws -> CLIPConfig {
        func layerCount(_ prefix: String) -> Int {
            var n = 0
            // A layer whose weights are a placeholder still counts: loading it then names the placeholder.
            while w.contains("\(prefix)\(n).attn.in_proj_weight") || w.placeholder(for: "\(prefix)\(n).attn.in_proj_weight") != nil { n += 1 }
            return n
        }
        func heads(_ width: Int, _ hint: Int?, _ what: String) throws -> Int {
            let h = hint ?? width / max(headWidth, 1)
            guard h >= 1, width % h == 0 else {
                throw WeightError.unsupported(file: w.source, reason: "\(what) width \(width) does not split into heads of width \(headWidth)")
            }
            return h
        }
        /// The tensor when present; an error naming the placeholder that stands in its place.
        func present(_ name: String) throws -> Tensor? {
            if w.placeholder(for: name) != nil { return try w.tensor(name) }
            return w.tensorIfPresent(name)
        }
        var vision: Vision?
        var embed = 0
        if let conv = try present("visual.conv1.weight") {
            guard conv.rank == 4, conv.shape[1] == 3, conv.shape[2] == conv.shape[3] else {
                throw WeightError.shapeMismatch(file: w.source, key: "visual.conv1.weight", expected: [-1, 3, -1, -1], found: conv.shape)
            }
            let width = conv.shape[0], patch = conv.shape[2]
            let pos = try w.tensor("visual.positional_embedding")
            let grid = pos.rank == 2 && pos.shape[0] >= 2 ? Int(Double(pos.shape[0] - 1).squareRoot().rounded()) : 0
            guard grid > 0, grid * grid + 1 == pos.shape[0], pos.shape[1] == width, patch > 0 else {
                throw WeightError.corrupt(file: w.source, reason: "visual.positional_embedding has shape \(pos.shape); expected [grid²+1, \(width)]")
            }
            let layers = layerCount("visual.transformer.resblocks.")
            guard layers > 0 else { throw WeightError.missingKey(file: w.source, key: "visual.transformer.resblocks.0.attn.in_proj_weight") }
            vision = Vision(width: width, layers: layers, heads: try heads(width, w.hints.visionHeads, "vision"),
                            patchSize: patch, imageSize: grid * patch)
            let proj = try w.tensor("visual.proj")
            guard proj.rank == 2, proj.shape[0] == width else {
                throw WeightError.shapeMismatch(file: w.source, key: "visual.proj", expected: [width, -1], found: proj.shape)
            }
            embed = proj.shape[1]
        }
        var text: Text?
        if let tok = try present("token_embedding.weight") {
            guard tok.rank == 2 else { throw WeightError.shapeMismatch(file: w.source, key: "token_embedding.weight", expected: [-1, -1], found: tok.shape) }
            let width = tok.shape[1]
            let pos = try w.tensor("positional_embedding")
            guard pos.rank == 2, pos.shape[0] >= 1, pos.shape[1] == width else {
                throw WeightError.shapeMismatch(file: w.source, key: "positional_embedding", expected: [-1, width], found: pos.shape)
            }
            let proj = try w.tensor("text_projection")
            guard proj.rank == 2, proj.shape[0] == width else {
                throw WeightError.shapeMismatch(file: w.source, key: "text_projection", expected: [width, -1], found: proj.shape)
            }
            if embed != 0 && proj.shape[1] != embed {
                throw WeightError.shapeMismatch(file: w.source, key: "text_projection", expected: [width, embed], found: proj.shape)
            }
            embed = proj.shape[1]
            let layers = layerCount("transformer.resblocks.")
            guard layers > 0 else { throw WeightError.missingKey(file: w.source, key: "transformer.resblocks.0.attn.in_proj_weight") }
            text = Text(width: width, layers: layers, heads: try heads(width, w.hints.textHeads, "text"),
                        vocabSize: tok.shape[0], contextLength: pos.shape[0])
        }
        guard vision != nil || text != nil else {
            throw WeightError.missingKey(file: w.source, key: "visual.conv1.weight (or token_embedding.weight): no CLIP tower found")
        }
        let act: Activation = w.hints.activation == "gelu" ? .gelu : .quickGELU
        return CLIPConfig(vision: vision, text: text, embedDim: embed, activation: act)
    }
}
