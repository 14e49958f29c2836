import CCrowdShims
import XCTest
@testable import CrowdCLIPCore

/// Element-wise kernels against their defining formulas evaluated in Double (end-to-end parity with PyTorch is in
/// EncoderParityTests), and the .npy reader against a file written by numpy.
final class TensorOpsTests: XCTestCase {
    /// Deterministic values spanning the range activations see (including large magnitudes for exp's clamps).
    static func values(_ n: Int, scale: Double = 6) -> [Float] {
        (0..<n).map { (i: Int) -> Float in
            let d = Double(i)
            let wave: Double = scale * sin(d * 0.7371 + 0.3)
            return Float(wave + 0.01 * Double(i % 7))
        }
    }

    func testLayerNormMatchesDefinition() {
        let rows = 5, cols = 37
        let x = Self.values(rows * cols), g = Self.values(cols, scale: 1).map { 1 + $0 }, b = Self.values(cols, scale: 0.1)
        var out = [Float](repeating: 0, count: rows * cols)
        TensorOps.layerNorm(x, &out, rows: rows, cols: cols, gamma: g, beta: b)
        for r in 0..<rows {
            let row = x[(r * cols)..<((r + 1) * cols)].map(Double.init)
            let mean = row.reduce(0, +) / Double(cols)
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(cols)
            for c in 0..<cols {
                let want = (row[c] - mean) / (variance + 1e-5).squareRoot() * Double(g[c]) + Double(b[c])
                XCTAssertEqual(Double(out[r * cols + c]), want, accuracy: 1e-5)
            }
        }
    }

    func testLayerNormInPlace() {
        let cols = 16
        var x = Self.values(3 * cols)
        let g = [Float](repeating: 1, count: cols), b = [Float](repeating: 0, count: cols)
        var separate = [Float](repeating: 0, count: x.count)
        TensorOps.layerNorm(x, &separate, rows: 3, cols: cols, gamma: g, beta: b)
        x.withUnsafeMutableBufferPointer { p in
            TensorOps.layerNorm(p.baseAddress!, p.baseAddress!, rows: 3, cols: cols, gamma: g, beta: b)
        }
        XCTAssertEqual(x, separate)
    }

    func testQuickGELUAndGELU() {
        // 53 values: three SIMD blocks and a scalar tail.
        let x = Self.values(53, scale: 12)
        var q = x, e = x
        TensorOps.quickGELU(&q, count: q.count)
        TensorOps.gelu(&e, count: e.count)
        // The out-of-place forms (training keeps the pre-activation) give the same floats.
        var q2 = [Float](repeating: 0, count: x.count), e2 = q2
        TensorOps.quickGELU(x, into: &q2, count: x.count)
        TensorOps.gelu(x, into: &e2, count: x.count)
        XCTAssertEqual(q2, q)
        XCTAssertEqual(e2, e)
        for (i, v) in x.map(Double.init).enumerated() {
            XCTAssertEqual(Double(q[i]), v / (1 + Foundation.exp(-1.702 * v)), accuracy: 2e-6 * max(1, abs(v)))
            XCTAssertEqual(Double(e[i]), 0.5 * v * (1 + erf(v / 2.0.squareRoot())), accuracy: 2e-6 * max(1, abs(v)))
        }
    }

    func testLayerNormKeepsStatisticsAndItsBackwardMatchesFiniteDifferences() {
        let rows = 3, cols = 19
        let x = Self.values(rows * cols, scale: 2), g = Self.values(cols, scale: 1).map { 1 + $0 }, b = Self.values(cols, scale: 0.1)
        let dy = Self.values(rows * cols, scale: 1).map { $0 * 0.5 + 0.1 }
        var out = [Float](repeating: 0, count: x.count), mean = [Float](repeating: 0, count: rows), rstd = mean
        TensorOps.layerNorm(x, &out, rows: rows, cols: cols, gamma: g, beta: b, mean: &mean, rstd: &rstd)
        // Loss L = Σ dy · LN(x) in Double; its gradient in x, gamma and beta by central differences.
        func loss(_ x: [Double], _ g: [Double], _ b: [Double]) -> Double {
            var total = 0.0
            for r in 0..<rows {
                let row = x[(r * cols)..<((r + 1) * cols)]
                let m = row.reduce(0, +) / Double(cols)
                let v = row.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(cols)
                for c in 0..<cols { total += Double(dy[r * cols + c]) * ((x[r * cols + c] - m) / (v + 1e-5).squareRoot() * g[c] + b[c]) }
            }
            return total
        }
        for r in 0..<rows {
            let row = x[(r * cols)..<((r + 1) * cols)].map(Double.init)
            let m = row.reduce(0, +) / Double(cols), v = row.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(cols)
            XCTAssertEqual(Double(mean[r]), m, accuracy: 1e-6)
            XCTAssertEqual(Double(rstd[r]), 1 / (v + 1e-5).squareRoot(), accuracy: 1e-5 * Double(rstd[r]))
        }
        var dx = [Float](repeating: 0, count: x.count), dg = [Float](repeating: 0, count: cols), db = dg
        TensorOps.layerNormBackward(dy, x, mean: mean, rstd: rstd, dx: &dx, rows: rows, cols: cols, gamma: g, dGamma: &dg, dBeta: &db)
        let xd = x.map(Double.init), gd = g.map(Double.init), bd = b.map(Double.init), h = 1e-4
        func numeric(_ change: (inout [Double], inout [Double], inout [Double], Double) -> Void) -> Double {
            var (x1, g1, b1) = (xd, gd, bd), (x2, g2, b2) = (xd, gd, bd)
            change(&x1, &g1, &b1, h); change(&x2, &g2, &b2, -h)
            return (loss(x1, g1, b1) - loss(x2, g2, b2)) / (2 * h)
        }
        for i in [0, 7, 20, 56] { XCTAssertEqual(Double(dx[i]), numeric { x, _, _, e in x[i] += e }, accuracy: 1e-4, "dx[\(i)]") }
        for c in [0, 5, 18] {
            XCTAssertEqual(Double(dg[c]), numeric { _, g, _, e in g[c] += e }, accuracy: 1e-4, "dGamma[\(c)]")
            XCTAssertEqual(Double(db[c]), numeric { _, _, b, e in b[c] += e }, accuracy: 1e-4, "dBeta[\(c)]")
        }
    }

    func testActivationBackwardsMatchTheirDerivatives() {
        let x = Self.values(53, scale: 6)
        var dq = [Float](repeating: 1, count: x.count), de = dq
        TensorOps.quickGELUBackward(x, &dq, count: x.count)
        TensorOps.geluBackward(x, &de, count: x.count)
        for (i, v) in x.map(Double.init).enumerated() {
            let s = 1 / (1 + Foundation.exp(-1.702 * v))
            XCTAssertEqual(Double(dq[i]), s + 1.702 * v * s * (1 - s), accuracy: 1e-6, "QuickGELU' at \(v)")
            let cdf = 0.5 * (1 + erf(v / 2.0.squareRoot())), pdf = Foundation.exp(-v * v / 2) / (2 * Double.pi).squareRoot()
            XCTAssertEqual(Double(de[i]), cdf + v * pdf, accuracy: 1e-6, "GELU' at \(v)")
        }
    }

    func testSoftmaxRowsPlainAndCausal() {
        let rows = 4, cols = 21, ld = 24
        let x = Self.values(rows * ld, scale: 20)
        for causal in [false, true] {
            var y = x
            if causal {
                TensorOps.causalSoftmaxRows(&y, rows: rows, cols: cols, ld: ld)
            } else {
                TensorOps.softmaxRows(&y, rows: rows, cols: cols, ld: ld)
            }
            for r in 0..<rows {
                let n = causal ? r + 1 : cols
                let row = x[(r * ld)..<(r * ld + n)].map(Double.init)
                let m = row.max()!
                let z = row.map { Foundation.exp($0 - m) }.reduce(0, +)
                for c in 0..<cols {
                    let want = c < n ? Foundation.exp(row[c] - m) / z : 0
                    XCTAssertEqual(Double(y[r * ld + c]), want, accuracy: 1e-6, "causal=\(causal) r=\(r) c=\(c)")
                }
                // Padding columns past `cols` are left alone.
                for c in cols..<ld { XCTAssertEqual(y[r * ld + c], x[r * ld + c]) }
            }
        }
    }

    func testFastExpAccuracy() {
        var xs: [Float] = []
        var v: Float = -80
        while v < 80 { xs.append(v); v += 0.173 }
        var c = xs
        crowd_exp(&c, c.count)
        var worst: Double = 0
        for (i, x) in xs.enumerated() {
            let want = Foundation.exp(Double(x))
            worst = max(worst, abs(Double(c[i]) - want) / want)
        }
        XCTAssertLessThan(worst, 1e-6)
    }

    func testL2NormalizeRows() {
        var x: [Float] = [3, 4, 0, 0, 0, 0, 1, -1, 1]
        TensorOps.l2NormalizeRows(&x, rows: 3, cols: 3)
        XCTAssertEqual(x[0], 0.6, accuracy: 1e-7); XCTAssertEqual(x[1], 0.8, accuracy: 1e-7)
        XCTAssertEqual(Array(x[3..<6]), [0, 0, 0], "a zero row stays zero, not NaN")
        XCTAssertEqual(x[6], 1 / Float(3).squareRoot(), accuracy: 1e-7)
    }

    func testProbabilitiesAreASoftmaxOfScaledCosines() throws {
        let model = try CLIPModel(path: Fixtures.path("models/tiny-p32.safetensors"), headWidth: 8)
        let img = Tensor(shape: [1, 2], values: [1, 0])
        let txt = Tensor(shape: [2, 2], values: [1, 0, 0, 1])
        let p = model.probabilities(imageFeatures: img, textFeatures: txt).array
        let s = Double(model.logitScale)
        XCTAssertEqual(Double(p[0]), 1 / (1 + Foundation.exp(-s)), accuracy: 1e-6)
        XCTAssertEqual(p[0] + p[1], 1, accuracy: 1e-6)
    }

    // MARK: - .npy

    func testReadsNumpyFileAndWritesTheSameBytes() throws {
        let data = try Fixtures.data("models/arange-2x3x4x5.npy")
        let t = try NPYFile.read(data: data, name: "arange")
        XCTAssertEqual(t.shape, [2, 3, 4, 5])
        XCTAssertEqual(t.array, (0..<120).map { Float($0) * 0.25 - 7.5 })
        XCTAssertEqual(NPYFile.data(t), data, "our writer produces numpy's bytes")
    }

    func testBadNumpyFilesAreErrors() throws {
        let good = try Fixtures.data("models/arange-2x3x4x5.npy")
        func rejects(_ d: Data, _ needle: String, line: UInt = #line) {
            XCTAssertThrowsError(try NPYFile.read(data: d, name: "bad.npy"), line: line) { e in
                XCTAssertTrue("\(e)".contains(needle) && "\(e)".contains("bad.npy"), "\(e)", line: line)
            }
        }
        rejects(Data("hello".utf8), "magic")
        rejects(good.prefix(good.count - 4), "data bytes")
        rejects(good.prefix(40), "header")
        var f8 = good
        f8.replaceSubrange(21..<24, with: Array("<f8".utf8))
        rejects(f8, "float32")
        var huge = good
        huge[9] = 0xFF
        rejects(huge, "header")
    }
}
