import Foundation

/// The activations the image tower's forward keeps for its backward, for a fixed batch, in one place so the
/// memory cost is visible: per block about 10·width + hidden floats per token plus heads·tokens² attention
/// probabilities per image (≈ 0.83 GB for six ViT-B/16 crops), and the unfolded patches, the `ln_pre` input
/// and the class tokens around `ln_post`. Reused from step to step.
final class VisionTape {
    let batch: Int
    let patches: TensorStorage              // [N·g², 3p²] unfolded patches
    let x0: TensorStorage                   // [N·T, W] embeddings + positions (ln_pre input)
    let preMean: TensorStorage, preRstd: TensorStorage
    let blocks: [ResidualBlock.Tape]
    let clsIn: TensorStorage                // [N, W] final class tokens (ln_post input)
    let postMean: TensorStorage, postRstd: TensorStorage
    let pooled: TensorStorage               // [N, W] ln_post output (projection input)
    let scratch: ResidualBlock.BackwardScratch

    init(config c: CLIPConfig.Vision, hidden: Int, batch n: Int) {
        batch = n
        let rows = n * c.tokens, w = c.width
        patches = TensorStorage(count: n * c.gridSize * c.gridSize * 3 * c.patchSize * c.patchSize)
        x0 = TensorStorage(count: rows * w)
        preMean = TensorStorage(count: rows); preRstd = TensorStorage(count: rows)
        blocks = (0..<c.layers).map { _ in
            ResidualBlock.Tape(rows: rows, width: w, hidden: hidden, batch: n, heads: c.heads, tokens: c.tokens)
        }
        clsIn = TensorStorage(count: n * w); pooled = TensorStorage(count: n * w)
        postMean = TensorStorage(count: n); postRstd = TensorStorage(count: n)
        scratch = ResidualBlock.BackwardScratch(rows: rows, width: w, hidden: hidden, tokens: c.tokens)
    }
}
