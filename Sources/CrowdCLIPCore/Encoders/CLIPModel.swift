import Foundation

/// A CLIP model (image tower, text tower, or both) ready for inference.
public final class CLIPModel: @unchecked Sendable {
    /// Geometry read from the weights.
    public let config: CLIPConfig
    /// `exp(logit_scale)`; 100 for OpenAI's released models.
    public let logitScale: Float
    /// The image tower, nil for text-only weights.
    public let vision: VisionTransformer?
    /// The text tower, nil for image-only weights (a fine-tuned CrowdCLIP counter).
    public let text: TextTransformer?
    /// Where the weights came from.
    public let source: String
    /// The number format of the weight products.
    public let precision: Precision

    /// Builds the towers present in `weights`; heads are `width / headWidth` unless the weights say otherwise.
    /// With `precision` bf16 the weights are converted to bf16 here, once.
    /// - Throws: `WeightError` when a tensor is missing or has the wrong shape, `BLAS.LoadError` without OpenBLAS,
    ///   and for bf16 an error saying what this CPU or system lacks.
    public convenience init(weights: WeightStore, headWidth: Int = 64, precision: Precision = .fp32) throws {
        try BLAS.load()
        try self.init(weights: weights, headWidth: headWidth, precision: precision, backend: try MatrixBackend.for(precision))
    }

    /// The towers on `backend` (the benchmark also measures oneDNN in float32 this way).
    init(weights: WeightStore, headWidth: Int, precision: Precision, backend: MatrixBackend) throws {
        let config = try CLIPConfig.infer(from: weights, headWidth: headWidth)
        self.config = config
        self.precision = precision
        source = weights.source
        vision = try config.vision.map {
            try VisionTransformer(weights, config: $0, embedDim: config.embedDim, activation: config.activation, backend: backend)
        }
        text = try config.text.map {
            try TextTransformer(weights, config: $0, embedDim: config.embedDim, activation: config.activation, backend: backend)
        }
        if let s = weights.tensorIfPresent("logit_scale"), s.count == 1 {
            logitScale = Foundation.exp(s[flat: 0])
        } else {
            logitScale = 100
        }
    }

    /// Loads any supported weights file or folder (see `WeightLoader`).
    public convenience init(path: String, headWidth: Int = 64, precision: Precision = .fp32) throws {
        try self.init(weights: try WeightLoader.load(path: path), headWidth: headWidth, precision: precision)
    }

    /// Whether the weights hold an image encoder.
    public var hasVision: Bool { vision != nil }
    /// Whether the weights hold a text encoder.
    public var hasText: Bool { text != nil }
    /// The square input size of the image tower (224 for ViT-B/16).
    public var imageSize: Int? { config.vision?.imageSize }

    /// L2-normalised image features `[N, E]` for normalised pixels `[N, 3, S, S]`.
    public func encodeImages(_ batch: Tensor) throws -> Tensor {
        guard let vision else { throw EncoderError.missingTower("\(source) has no image encoder (visual.* weights)") }
        let f = try named { try vision.encode(batch) }
        Ops.l2NormalizeRows(f.pointer, rows: f.shape[0], cols: f.shape[1])
        return f
    }

    /// L2-normalised text features `[N, E]` for token-id rows (see `CLIPTokenizer`).
    public func encodeTexts(_ tokens: [[Int32]]) throws -> Tensor {
        guard let text else { throw EncoderError.missingTower("\(source) has no text encoder (token_embedding and transformer.* weights)") }
        let f = try named { try text.encode(tokens) }
        Ops.l2NormalizeRows(f.pointer, rows: f.shape[0], cols: f.shape[1])
        return f
    }

    /// Input errors name the weights they were checked against.
    private func named<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let EncoderError.badInput(message) { throw EncoderError.badInput("\(source): \(message)") }
    }

    /// Zero-shot probabilities: softmax over texts of `logitScale · image · textᵀ`, one row per image.
    public func probabilities(imageFeatures: Tensor, textFeatures: Tensor) -> Tensor {
        let logits = imageFeatures.matmulTransposed(textFeatures)
        let cols = textFeatures.shape[0]
        for i in 0..<logits.count { logits[flat: i] *= logitScale }
        Ops.softmaxRows(logits.pointer, rows: imageFeatures.shape[0], cols: cols, ld: cols)
        return logits
    }
}
