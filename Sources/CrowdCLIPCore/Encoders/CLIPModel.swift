import Foundation

/// A CLIP model (image tower, text tower, or both) ready for inference.
///
/// One model may encode from several threads at once: it is never changed after it is built, and each call
/// works in buffers of its own.
public final class CLIPModel: Sendable {
    /// Geometry read from the weights.
    let config: CLIPConfig
    /// `exp(logit_scale)`; 100 for OpenAI's released models.
    public let logitScale: Float
    /// The image tower, nil for text-only weights.
    let vision: VisionTransformer?
    /// The text tower, nil for image-only weights (a fine-tuned CrowdCLIP counter).
    package let text: TextTransformer?
    /// Where the weights came from.
    let source: String
    /// The number format of the weight products.
    public let precision: Precision

    /// Builds the towers present in `weights`; heads are `width / headWidth` unless the weights say otherwise.
    /// With `precision` bf16 the weights are converted to bf16 here, once.
    ///
    /// The first model built loads OpenBLAS; when `OPENBLAS_CORETYPE` is unset it first sets that variable in
    /// the process environment to the kernel chosen for this CPU (a value you set is never changed). With bf16,
    /// loading oneDNN likewise sets `OMP_WAIT_POLICY=passive` when it is unset (its idle OpenMP threads then sleep
    /// instead of spinning on OpenBLAS's cores); a value you set is kept, and child processes inherit either.
    /// - Throws: `WeightError` when a tensor is missing or has the wrong shape, `EncoderError.matrixLibraryUnavailable`
    ///   without OpenBLAS (or, for bf16, without oneDNN), and for bf16 on a CPU without AVX512-BF16 or AMX-BF16
    ///   `EncoderError.precisionUnavailable`.
    public convenience init(weights: WeightStore, headWidth: Int = 64, precision: Precision = .fp32) throws {
        try self.init(weights: weights, headWidth: headWidth, precision: precision, engine: .openBLAS)
    }

    /// The towers on `backend`.
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
    var hasVision: Bool { vision != nil }
    /// Whether the weights hold a text encoder.
    var hasText: Bool { text != nil }
    /// The square input size of the image tower (224 for ViT-B/16).
    var imageSize: Int? { config.vision?.imageSize }

    /// L2-normalised image features `[N, E]` for normalised pixels `[N, 3, S, S]`.
    public func encodeImages(_ batch: Tensor) throws -> Tensor {
        guard let vision else { throw EncoderError.missingTower(file: source, tower: "image encoder (visual.* weights)") }
        let f = try named { try vision.encode(batch) }
        TensorOps.l2NormalizeRows(f.pointer, rows: f.shape[0], cols: f.shape[1])
        return f
    }

    /// L2-normalised text features `[N, E]` for token-id rows (see `CLIPTokenizer`).
    public func encodeTexts(_ tokens: [[Int32]]) throws -> Tensor {
        guard let text else { throw EncoderError.missingTower(file: source, tower: "text encoder (token_embedding and transformer.* weights)") }
        let f = try named { try text.encode(tokens) }
        TensorOps.l2NormalizeRows(f.pointer, rows: f.shape[0], cols: f.shape[1])
        return f
    }

    /// Input errors name the weights they were checked against.
    private func named<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let EncoderError.badInput(reason) { throw EncoderError.badInput(reason: "\(source): \(reason)") }
    }

    /// Zero-shot probabilities: softmax over texts of `logitScale · image · textᵀ`, one row per image.
    public func probabilities(imageFeatures: Tensor, textFeatures: Tensor) -> Tensor {
        let logits = imageFeatures.matmulTransposed(textFeatures)
        let cols = textFeatures.shape[0]
        for i in 0..<logits.count { logits[flat: i] *= logitScale }
        TensorOps.softmaxRows(logits.pointer, rows: imageFeatures.shape[0], cols: cols, ld: cols)
        return logits
    }
}
