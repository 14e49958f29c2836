import Foundation

/// OpenAI CLIP's text tower: token and positional embeddings, causal blocks, `ln_final`, the feature at the
/// end token (the largest id), projection.
package final class TextTransformer: Sendable {
    /// The tower's geometry.
    let config: CLIPConfig.Text
    /// Size of the projected features.
    let embedDim: Int
    let tokenEmbedding: FrozenTensor, positional: FrozenTensor, lnFinalW: FrozenTensor, lnFinalB: FrozenTensor
    let projection: Linear  // text_projection, stored [width, embed]
    let blocks: [ResidualBlock]

    init(_ w: WeightStore, config c: CLIPConfig.Text, embedDim: Int, activation: CLIPConfig.Activation,
         backend: MatrixBackend = .openBLAS) throws {
        config = c
        self.embedDim = embedDim
        tokenEmbedding = try w.frozen("token_embedding.weight", shape: [c.vocabSize, c.width])
        positional = try w.frozen("positional_embedding", shape: [c.contextLength, c.width])
        lnFinalW = try w.frozen("ln_final.weight", shape: [c.width]); lnFinalB = try w.frozen("ln_final.bias", shape: [c.width])
        projection = Linear(weight: try w.frozen("text_projection", shape: [c.width, embedDim]), bias: nil, layout: .inOut,
                            backend: backend.float32)
        blocks = try (0..<c.layers).map {
            try ResidualBlock(w, prefix: "transformer.resblocks.\($0).", width: c.width, heads: c.heads,
                              activation: activation, backend: backend)
        }
        guard Set(blocks.map(\.hidden)).count <= 1 else {
            throw WeightError.unsupported(file: w.source, reason: "transformer blocks have different MLP widths \(blocks.map(\.hidden))")
        }
    }

    /// Text features (not normalised) for token-id rows (each at most `contextLength` long; shorter rows are
    /// zero-padded as the tokenizer does).
    ///
    /// The mask is causal, so a position's output depends only on the positions before it: running the
    /// sequences only up to the last end token in the batch gives exactly the full-context result, faster.
    func encode(_ tokens: [[Int32]]) throws -> Tensor {
        let c = config, w = c.width, n = tokens.count
        guard n > 0 else { return Tensor(zeros: [0, embedDim]) }
        var eot = [Int](repeating: 0, count: n)
        for (i, row) in tokens.enumerated() {
            guard row.count <= c.contextLength else {
                throw EncoderError.badInput(reason: "token row \(i) has \(row.count) ids; the context length is \(c.contextLength)")
            }
            if let bad = row.first(where: { $0 < 0 || Int($0) >= c.vocabSize }) {
                throw EncoderError.badInput(reason: "token id \(bad) is outside the vocabulary (\(c.vocabSize) tokens)")
            }
            var best = 0
            for (j, id) in row.enumerated() where id > row[best] { best = j }
            eot[i] = best
        }
        let t = (eot.max() ?? 0) + 1
        let x = TensorStorage(count: n * t * w)
        for (i, row) in tokens.enumerated() {
            for j in 0..<t {
                let id = j < row.count ? Int(row[j]) : 0
                let dst = x.pointer + (i * t + j) * w
                let e = tokenEmbedding.pointer + id * w, p = positional.pointer + j * w
                for k in 0..<w { dst[k] = e[k] + p[k] }
            }
        }
        let ws = ResidualBlock.Workspace(rows: n * t, width: w, hidden: blocks.first?.hidden ?? 4 * w, tokens: t)
        for block in blocks { block.forward(x.pointer, batch: n, tokens: t, causal: true, ws: ws) }
        let pooled = Tensor(zeros: [n, w])
        for i in 0..<n {
            TensorOps.layerNorm(x.pointer + (i * t + eot[i]) * w, pooled.pointer + i * w, rows: 1, cols: w,
                          gamma: lnFinalW.pointer, beta: lnFinalB.pointer)
        }
        let out = Tensor(zeros: [n, embedDim])
        projection.forward(pooled.pointer, out.pointer, rows: n)
        return out
    }
}
