import Foundation

/// OpenAI CLIP's image tower: patch embedding (a convolution done as one GEMM over unfolded patches), class
/// token, positional embedding, `ln_pre`, residual blocks, `ln_post` on the class token, projection.
public final class VisionTransformer: @unchecked Sendable {
    /// The tower's geometry.
    public let config: CLIPConfig.Vision
    /// Size of the projected features.
    public let embedDim: Int
    let convW: Tensor, classEmbedding: Tensor, positional: Tensor
    let lnPreW: Tensor, lnPreB: Tensor, lnPostW: Tensor, lnPostB: Tensor, proj: Tensor
    let blocks: [ResidualBlock]

    init(_ w: WeightStore, config c: CLIPConfig.Vision, embedDim: Int, activation: CLIPConfig.Activation) throws {
        config = c
        self.embedDim = embedDim
        let width = c.width
        convW = try w.tensor("visual.conv1.weight", shape: [width, 3, c.patchSize, c.patchSize])
        classEmbedding = try w.tensor("visual.class_embedding", shape: [width])
        positional = try w.tensor("visual.positional_embedding", shape: [c.tokens, width])
        lnPreW = try w.tensor("visual.ln_pre.weight", shape: [width]); lnPreB = try w.tensor("visual.ln_pre.bias", shape: [width])
        lnPostW = try w.tensor("visual.ln_post.weight", shape: [width]); lnPostB = try w.tensor("visual.ln_post.bias", shape: [width])
        proj = try w.tensor("visual.proj", shape: [width, embedDim])
        blocks = try (0..<c.layers).map {
            try ResidualBlock(w, prefix: "visual.transformer.resblocks.\($0).", width: width, heads: c.heads, activation: activation)
        }
        guard Set(blocks.map(\.hidden)).count <= 1 else {
            throw WeightError.unsupported(file: w.source, reason: "visual.transformer blocks have different MLP widths \(blocks.map(\.hidden))")
        }
    }

    /// Image features (not normalised) for a batch `[N, 3, S, S]` with S the model's resolution.
    public func encode(_ images: Tensor) throws -> Tensor {
        let c = config, s = c.imageSize
        guard images.rank == 4, images.shape[1] == 3, images.shape[2] == s, images.shape[3] == s else {
            throw EncoderError.badInput("image batch has shape \(images.shape); this model takes [N, 3, \(s), \(s)]")
        }
        let n = images.shape[0], t = c.tokens, w = c.width, g = c.gridSize, p = c.patchSize
        let rows = n * t
        let xStorage = TensorStorage(count: rows * w)  // the residual stream, [N·tokens, width]
        let xp = xStorage.pointer
        // Unfold every patch into a row (channel, y, x order, as the conv weight is laid out) and embed all
        // N·g² patches with one GEMM, written straight into token rows 1…g² of each image.
        let k = 3 * p * p
        let patches = TensorStorage(count: n * g * g * k)
        let src = images.pointer
        for b in 0..<n {
            for gy in 0..<g {
                for gx in 0..<g {
                    var dst = patches.pointer + ((b * g + gy) * g + gx) * k
                    for ch in 0..<3 {
                        for py in 0..<p {
                            let row = src + ((b * 3 + ch) * s + gy * p + py) * s + gx * p
                            dst.update(from: row, count: p)
                            dst += p
                        }
                    }
                }
            }
        }
        for b in 0..<n {
            BLAS.sgemm(transB: true, m: g * g, n: w, k: k, a: patches.pointer + b * g * g * k, lda: k,
                       b: convW.pointer, ldb: k, c: xp + (b * t + 1) * w, ldc: w)
            (xp + b * t * w).update(from: classEmbedding.pointer, count: w)
            let img = xp + b * t * w
            for i in 0..<(t * w) { img[i] += positional.pointer[i] }
        }
        Ops.layerNorm(xp, xp, rows: rows, cols: w, gamma: lnPreW.pointer, beta: lnPreB.pointer)
        let ws = ResidualBlock.Workspace(rows: rows, width: w, hidden: blocks.first?.hidden ?? 4 * w, tokens: t)
        for block in blocks { block.forward(xp, batch: n, tokens: t, causal: false, ws: ws) }
        // ln_post on the class tokens, then the projection.
        let cls = Tensor(zeros: [n, w])
        for b in 0..<n {
            Ops.layerNorm(xp + b * t * w, cls.pointer + b * w, rows: 1, cols: w, gamma: lnPostW.pointer, beta: lnPostB.pointer)
        }
        let out = Tensor(zeros: [n, embedDim])
        BLAS.sgemm(m: n, n: embedDim, k: w, a: cls.pointer, lda: w, b: proj.pointer, ldb: embedDim, c: out.pointer, ldc: embedDim)
        return out
    }
}

/// What an encoder refuses: input of the wrong shape, or a tower the weights do not have.
public enum EncoderError: Error, CustomStringConvertible {
    /// The input tensor or token ids do not fit the model; the message says what was expected.
    case badInput(String)
    /// The image or text tower was asked for but the weights (named in the message) do not hold it.
    case missingTower(String)
    /// The message, naming the weights or the shapes involved.
    public var description: String {
        switch self {
        case let .badInput(m): return m
        case let .missingTower(m): return m
        }
    }
}
