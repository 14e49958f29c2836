import XCTest
@testable import CrowdCLIPCore

final class OpenBLASTests: XCTestCase {
    /// sgemm with every transpose combination against a plain triple loop.
    func testSgemmMatchesNaiveLoops() throws {
        try OpenBLAS.load()
        let m = 7, n = 5, k = 11
        var rng = SystemRandomNumberGenerator()
        let a = (0..<(m * k)).map { _ in Float.random(in: -1...1, using: &rng) }
        let b = (0..<(k * n)).map { _ in Float.random(in: -1...1, using: &rng) }
        for transA in [false, true] {
            for transB in [false, true] {
                var c = [Float](repeating: 0, count: m * n)
                // Storage layouts: A is m×k (or k×m when transposed), B is k×n (or n×k).
                func aAt(_ i: Int, _ p: Int) -> Float { transA ? a[p * m + i] : a[i * k + p] }
                func bAt(_ p: Int, _ j: Int) -> Float { transB ? b[j * k + p] : b[p * n + j] }
                OpenBLAS.sgemm(transA: transA, transB: transB, m: m, n: n, k: k,
                           a: a, lda: transA ? m : k, b: b, ldb: transB ? k : n, c: &c, ldc: n)
                for i in 0..<m {
                    for j in 0..<n {
                        var s: Float = 0
                        for p in 0..<k { s += aAt(i, p) * bAt(p, j) }
                        XCTAssertEqual(c[i * n + j], s, accuracy: 1e-5, "transA=\(transA) transB=\(transB)")
                    }
                }
            }
        }
    }

    func testKernelRuleFromFeatures() {
        func cpu(_ f: [String]) -> KernelSelection.CPU {
            .init(vendor: "", brand: "", family: 6, model: 207, features: f)
        }
        let avx512 = ["avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq"]
        XCTAssertEqual(KernelSelection.recommendedCore(for: cpu(avx512 + ["avx512_bf16"])), "Cooperlake")
        XCTAssertEqual(KernelSelection.recommendedCore(for: cpu(avx512)), "SkylakeX")
        XCTAssertEqual(KernelSelection.recommendedCore(for: cpu(["avx", "avx2", "fma"])), "Haswell")
        XCTAssertEqual(KernelSelection.recommendedCore(for: cpu(["avx"])), "Sandybridge")
        XCTAssertNil(KernelSelection.recommendedCore(for: cpu(["sse3"])))
    }
}
