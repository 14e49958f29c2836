import Foundation

/// The decisions of the test stage, on normalised features. Kept apart from the encoders so the logic can be
/// checked with hand-made features.
enum ProgressiveFilter {
    /// Stage 1 and 2 for each patch: kept when `target` is the best of `firstTexts`, and `secondTarget` is among
    /// the top `secondTopK` of `secondTexts`. Also returns each patch's decision margin (the smallest distance
    /// of a deciding similarity from flipping), for parity checks.
    package static func keep(imageFeatures f: Tensor, firstTexts: FrozenTensor, firstTarget: Int,
                            secondTexts: FrozenTensor, secondTarget: Int, secondTopK: Int) -> (kept: [Bool], margins: [Float]) {
        let s1 = f.matmulTransposed(firstTexts), s2 = f.matmulTransposed(secondTexts)
        let n = f.shape[0], c1 = firstTexts.shape[0], c2 = secondTexts.shape[0]
        var kept: [Bool] = [], margins: [Float] = []
        for i in 0..<n {
            let row1 = Array(UnsafeBufferPointer(start: s1.pointer + i * c1, count: c1))
            let t1 = row1[firstTarget]
            let best1 = row1.enumerated().filter { $0.offset != firstTarget }.map(\.element).max() ?? -.infinity
            var margin = abs(t1 - best1)
            var keep = t1 > best1
            if keep {
                let row2 = Array(UnsafeBufferPointer(start: s2.pointer + i * c2, count: c2))
                let t2 = row2[secondTarget]
                let others = row2.enumerated().filter { $0.offset != secondTarget }.map(\.element).sorted(by: >)
                // In the top k when fewer than k others beat it: compare with the k-th best other.
                let kth = secondTopK - 1 < others.count ? others[secondTopK - 1] : -.infinity
                keep = t2 > kth
                margin = min(margin, abs(t2 - kth))
            }
            kept.append(keep)
            margins.append(margin)
        }
        return (kept, margins)
    }

    /// Stage 3: each patch's count from its similarities to the count prompts, with the decision margin
    /// (best minus second best similarity).
    package static func counts(imageFeatures f: Tensor, countTexts: FrozenTensor, values: [Int], logitScale: Float,
                              aggregation: CountingConfiguration.Aggregation) -> (counts: [Double], margins: [Float]) {
        let s = f.matmulTransposed(countTexts)
        let n = f.shape[0], c = countTexts.shape[0]
        var counts: [Double] = [], margins: [Float] = []
        for i in 0..<n {
            let row = Array(UnsafeBufferPointer(start: s.pointer + i * c, count: c))
            var best = 0
            for j in 1..<c where row[j] > row[best] { best = j }
            let second = row.enumerated().filter { $0.offset != best }.map(\.element).max() ?? -.infinity
            margins.append(row[best] - second)
            switch aggregation {
            case .argmax: counts.append(Double(values[best]))
            case .expectation:
                let m = row[best]
                let w = row.map { Foundation.exp(Double(logitScale * ($0 - m))) }
                let total = w.reduce(0, +)
                counts.append(zip(w, values).reduce(0) { $0 + $1.0 * Double($1.1) } / total)
            }
        }
        return (counts, margins)
    }
}
