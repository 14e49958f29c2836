import XCTest
@testable import CrowdCLIPCore

/// The fused attention kernel against the per-head OpenBLAS products it replaces, on ViT-B/16's shapes (where its
/// vector blocks are full), the text tower's causal shape, and a small model whose head width is not a multiple
/// of the vector width, or leaves a 16-column tail (80, 48).
final class AttentionKernelTests: XCTestCase {
    func testFusedKernelMatchesTheBLASProducts() {
        let shapes: [(batch: Int, tokens: Int, width: Int, heads: Int, causal: Bool)] = [
            (2, 197, 768, 12, false), (3, 77, 512, 8, true), (2, 13, 24, 3, false), (1, 50, 16, 2, true),
            // Head widths 80 and 48: a 16-column tail after the 32-column loop; 15 causal tokens: 15 % 8 == 7.
            (1, 20, 160, 2, false), (2, 15, 96, 2, true),
        ]
        for s in shapes {
            let rows = s.batch * s.tokens
            let qkv = TensorStorage(count: rows * 3 * s.width)
            var seed: UInt64 = 12
            for i in 0..<qkv.count {
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                qkv.pointer[i] = Float(Int(seed >> 40) % 2001 - 1000) / 400  // scores of a few units, as in CLIP
            }
            let fused = TensorStorage(count: rows * s.width), blas = TensorStorage(count: rows * s.width)
            let probsCount = s.batch * s.heads * s.tokens * s.tokens
            let fusedProbs = TensorStorage(count: probsCount), blasProbs = TensorStorage(count: probsCount)
            let scores = TensorStorage(count: s.tokens * s.tokens)
            Attention.fusedForward(qkv: qkv.pointer, out: fused.pointer, batch: s.batch, tokens: s.tokens, width: s.width,
                                   heads: s.heads, causal: s.causal, probs: fusedProbs.pointer)
            Attention.blasForward(qkv: qkv.pointer, out: blas.pointer, batch: s.batch, tokens: s.tokens, width: s.width,
                                  heads: s.heads, causal: s.causal, scores: scores.pointer, probs: blasProbs.pointer)
            let outError = (0..<fused.count).map { abs(fused.pointer[$0] - blas.pointer[$0]) }.max()!
            let probsError = (0..<probsCount).map { abs(fusedProbs.pointer[$0] - blasProbs.pointer[$0]) }.max()!
            XCTAssertLessThan(outError, 2e-5, "output, \(s)")
            XCTAssertLessThan(probsError, 1e-5, "probabilities, \(s)")
            // Without probs (inference) the output is the same to the bit.
            let noTape = TensorStorage(count: rows * s.width)
            Attention.fusedForward(qkv: qkv.pointer, out: noTape.pointer, batch: s.batch, tokens: s.tokens, width: s.width,
                                   heads: s.heads, causal: s.causal, probs: nil)
            XCTAssertTrue((0..<fused.count).allSatisfy { noTape.pointer[$0] == fused.pointer[$0] }, "\(s)")
            if s.causal {  // a future token never gets weight
                XCTAssertEqual(fusedProbs.pointer[1], 0)
            }
        }
    }
}
