import Foundation

/// OpenAI CLIP's image tower: patch embedding (a convolution done as one GEMM over unfolded patches), class
/// token, positional embedding, `ln_pre`, residual blocks, `ln_post` on the class token, projection.
final class VisionTransformer: Sendable {
    /// The tower's geometry.
    let config: CLIPConfig.Vision
    /// Size of the projected features.
    let embedDim: Int
    let patchEmbedding: Linear  // conv1 as [width, 3·patch²] over unfolded patches
    let classEmbedding: FrozenTensor, positional: FrozenTensor
    let lnPreW: FrozenTensor, lnPreB: FrozenTensor, lnPostW: FrozenTensor, lnPostB: FrozenTensor
    let projection: Linear      // visual.proj, stored [width, embed]
    let blocks: [ResidualBlock]

    init(_ w: WeightStore, config c: CLIPConfig.Vision, embedDim: Int, activation: CLIPConfig.Activation,
         backend: MatrixBackend = .openBLAS) throws {
        config = c
        self.embedDim = embedDim
        let width = c.width, k = 3 * c.patchSize * c.patchSize
        let conv = try w.frozen("visual.conv1.weight", shape: [width, 3, c.patchSize, c.patchSize])
        patchEmbedding = Linear(weight: conv.reshaped([width, k]), bias: nil, backend: backend)
        classEmbedding = try w.frozen("visual.class_embedding", shape: [width])
        positional = try w.frozen("visual.positional_embedding", shape: [c.tokens, width])
        lnPreW = try w.frozen("visual.ln_pre.weight", shape: [width]); lnPreB = try w.frozen("visual.ln_pre.bias", shape: [width])
        lnPostW = try w.frozen("visual.ln_post.weight", shape: [width]); lnPostB = try w.frozen("visual.ln_post.bias", shape: [width])
        projection = Linear(weight: try w.frozen("visual.proj", shape: [width, embedDim]), bias: nil, layout: .inOut,
                            backend: backend.float32)
        blocks = try (0..<c.layers).map {
            try ResidualBlock(w, prefix: "visual.transformer.resblocks.\($0).", width: width, heads: c.heads,
                              activation: activation, backend: backend)
        }
        guard Set(blocks.map(\.hidden)).count <= 1 else {
            throw WeightError.unsupported(file: w.source, reason: "visual.transformer blocks have different MLP widths \(blocks.map(\.hidden))")
        }
    }

    /// Image features (not normalised) for a batch `[N, 3, S, S]` with S the model's resolution.
    func encode(_ images: Tensor) throws -> Tensor {
        let s = config.imageSize
        guard images.rank == 4, images.shape[1] == 3, images.shape[2] == s, images.shape[3] == s else {
            throw EncoderError.badInput(reason: "image batch has shape \(images.shape); this model takes [N, 3, \(s), \(s)]")
        }
        return forward(images, tape: nil)
    }

    /// The forward pass, for inference (`tape` nil: nothing kept) and for training (the tape receives what
    /// `backward` needs). `images` is `[N, 3, S, S]` with N the tape's batch when there is a tape.
    func forward(_ images: Tensor, tape: VisionTape?) -> Tensor {
        let c = config, s = c.imageSize
        let n = images.shape[0], t = c.tokens, w = c.width, g = c.gridSize, p = c.patchSize
        precondition(tape == nil || tape!.batch == n, "batch of \(n) for a tape of \(tape!.batch)")
        let rows = n * t
        let xStorage = TensorStorage(count: rows * w)  // the residual stream, [N·tokens, width]
        let xp = xStorage.pointer
        // Unfold every patch into a row (channel, y, x order, as the conv weight is laid out) and embed all
        // N·g² patches with one GEMM per image, written straight into token rows 1…g² of each image.
        let k = 3 * p * p
        let patches = tape?.patches ?? TensorStorage(count: n * g * g * k)
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
            patchEmbedding.forward(patches.pointer + b * g * g * k, xp + (b * t + 1) * w, rows: g * g)
            (xp + b * t * w).update(from: classEmbedding.pointer, count: w)
            let img = xp + b * t * w
            for i in 0..<(t * w) { img[i] += positional.pointer[i] }
        }
        tape?.x0.pointer.update(from: xp, count: rows * w)
        TensorOps.layerNorm(xp, xp, rows: rows, cols: w, gamma: lnPreW.pointer, beta: lnPreB.pointer,
                      mean: tape?.preMean.pointer, rstd: tape?.preRstd.pointer)
        let ws = ResidualBlock.Workspace(rows: rows, width: w, hidden: blocks.first?.hidden ?? 4 * w, tokens: t)
        for (l, block) in blocks.enumerated() {
            block.forward(xp, batch: n, tokens: t, causal: false, ws: ws, tape: tape?.blocks[l])
        }
        // ln_post on the class tokens, then the projection.
        let cls = tape?.pooled ?? TensorStorage(count: n * w)
        for b in 0..<n {
            tape?.clsIn.pointer.advanced(by: b * w).update(from: xp + b * t * w, count: w)
            TensorOps.layerNorm(xp + b * t * w, cls.pointer + b * w, rows: 1, cols: w, gamma: lnPostW.pointer, beta: lnPostB.pointer,
                          mean: tape.map { $0.postMean.pointer + b }, rstd: tape.map { $0.postRstd.pointer + b })
        }
        let out = Tensor(zeros: [n, embedDim])
        projection.forward(cls.pointer, out.pointer, rows: n)
        return out
    }

    /// The backward of `forward`: accumulates parameter gradients into `g` from d(features) `[N, E]`, using
    /// what the forward kept in `tape`.
    func backward(_ dFeatures: Tensor, tape: VisionTape, into g: VisionParameters) {
        let c = config, n = tape.batch, t = c.tokens, w = c.width, grid = c.gridSize, rows = n * t
        let k = patchEmbedding.inputs
        // Projection and ln_post, on the class tokens only.
        let dPooled = TensorStorage(count: n * w), dCls = TensorStorage(count: n * w)
        projection.backward(dFeatures.pointer, tape.pooled.pointer, rows: n, dWeight: g.proj, dBias: nil, dx: dPooled.pointer)
        TensorOps.layerNormBackward(dPooled.pointer, tape.clsIn.pointer, mean: tape.postMean.pointer, rstd: tape.postRstd.pointer,
                              dx: dCls.pointer, rows: n, cols: w, gamma: lnPostW.pointer,
                              dGamma: g.lnPost.0.pointer, dBeta: g.lnPost.1.pointer)
        let dx = TensorStorage(count: rows * w)  // gradient of the residual stream
        for b in 0..<n { (dx.pointer + b * t * w).update(from: dCls.pointer + b * w, count: w) }
        for l in stride(from: blocks.count - 1, through: 0, by: -1) {
            blocks[l].backward(dx.pointer, tape: tape.blocks[l], batch: n, tokens: t, into: g.block(l), scratch: tape.scratch)
        }
        // ln_pre, then positions, class token and patch embedding.
        let dX0 = TensorStorage(count: rows * w)
        TensorOps.layerNormBackward(dx.pointer, tape.x0.pointer, mean: tape.preMean.pointer, rstd: tape.preRstd.pointer,
                              dx: dX0.pointer, rows: rows, cols: w, gamma: lnPreW.pointer,
                              dGamma: g.lnPre.0.pointer, dBeta: g.lnPre.1.pointer)
        let dConv = g.conv.reshaped([w, k])
        for b in 0..<n {
            let src = dX0.pointer + b * t * w
            for i in 0..<(t * w) { g.positional.pointer[i] += src[i] }
            for ch in 0..<w { g.classEmbedding.pointer[ch] += src[ch] }
            patchEmbedding.backward(src + w, tape.patches.pointer + b * grid * grid * k, rows: grid * grid,
                                    dWeight: dConv, dBias: nil, dx: nil)
        }
    }
}
