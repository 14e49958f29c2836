import Foundation

/// CrowdCLIP's multi-modal ranking loss over size-sorted crops.
///
/// `logits = scale · normalise(image features) · normalise(text features)ᵀ`, crop i against count prompt j.
/// For every pair i < j: `max(0, logits[i][j] − logits[j][j])` — the larger crop j must match the larger count
/// j better than the smaller crop i does (PyTorch's `MarginRankingLoss` with margin 0, summed as the official
/// code does).
enum RankingLoss {
    /// The loss of one image's crops, the logits it came from, and its gradient.
    package struct Result {
        /// The summed hinge terms.
        package let loss: Float
        /// `logits[i][j]`: crop i against count prompt j, at the model's logit scale.
        let logits: [[Float]]
        /// d(loss)/d(unnormalised image features), `[N, E]`.
        let featureGradient: Tensor
    }

    /// - Parameters:
    ///   - features: unnormalised image features `[N, E]`, crops sorted from smallest to largest.
    ///   - texts: L2-normalised text features `[N, E]` for the matching counts, smallest first.
    ///   - scale: the logit scale (`exp(logit_scale)`, 100 for OpenAI's models).
    static func evaluate(features: Tensor, texts: Tensor, scale: Float = 100) -> Result {
        let n = features.shape[0], e = features.shape[1]
        precondition(texts.shape == [n, e], "one count prompt per crop")
        let normed = features.l2NormalizedRows()
        let logitsT = normed.matmulTransposed(texts)
        var logits = [[Float]](repeating: [Float](repeating: 0, count: n), count: n)
        for i in 0..<n { for j in 0..<n { logits[i][j] = scale * logitsT[flat: i * n + j] } }
        var loss: Float = 0
        var dLogits = [Float](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in (i + 1)..<max(i + 1, n) where logits[i][j] > logits[j][j] {
                loss += logits[i][j] - logits[j][j]
                dLogits[i * n + j] += 1
                dLogits[j * n + j] -= 1
            }
        }
        // d/d(normalised features) = scale · dLogits · texts, then through the normalisation:
        // df = (dn − n̂ (n̂·dn)) / ‖f‖.
        let grad = Tensor(zeros: [n, e])
        for i in 0..<n {
            var norm: Float = 0
            for c in 0..<e { norm += features[flat: i * e + c] * features[flat: i * e + c] }
            norm = norm.squareRoot()
            var dn = [Float](repeating: 0, count: e)
            for j in 0..<n where dLogits[i * n + j] != 0 {
                for c in 0..<e { dn[c] += scale * dLogits[i * n + j] * texts[flat: j * e + c] }
            }
            var dot: Float = 0
            for c in 0..<e { dot += normed[flat: i * e + c] * dn[c] }
            for c in 0..<e { grad[flat: i * e + c] = (dn[c] - normed[flat: i * e + c] * dot) / max(norm, 1e-12) }
        }
        return Result(loss: loss, logits: logits, featureGradient: grad)
    }
}
