import XCTest
@testable import CrowdCLIPCore

/// `Linear` against its definition evaluated in Double, for both weight layouts.
final class LinearTests: XCTestCase {
    static func tensor(_ shape: [Int], seed: Double) -> Tensor {
        let n = shape.reduce(1, *)
        return Tensor(shape: shape, values: (0..<n).map { Float(sin(Double($0) * 0.37 + seed)) })
    }

    func testForwardAndBackwardMatchTheDefinition() throws {
        try OpenBLAS.load()
        let rows = 5, inputs = 7, outputs = 3
        let x = Self.tensor([rows, inputs], seed: 1), dy = Self.tensor([rows, outputs], seed: 2)
        let b = Self.tensor([outputs], seed: 3), wOutIn = Self.tensor([outputs, inputs], seed: 4)
        // W[o][i] in Double, whichever way it is stored.
        func weight(_ o: Int, _ i: Int) -> Double { Double(wOutIn[flat: o * inputs + i]) }
        let wInOut = Tensor(zeros: [inputs, outputs])
        for o in 0..<outputs { for i in 0..<inputs { wInOut[flat: i * outputs + o] = wOutIn[flat: o * inputs + i] } }
        for (layout, w) in [(PackedWeight.Layout.outIn, wOutIn), (.inOut, wInOut)] {
            let layer = Linear(weight: FrozenTensor(w), bias: FrozenTensor(b), layout: layout)
            XCTAssertEqual([layer.inputs, layer.outputs], [inputs, outputs])
            let y = Tensor(zeros: [rows, outputs]), residual = Tensor(zeros: [rows, outputs])
            for i in 0..<residual.count { residual[flat: i] = Float(i) }
            layer.forward(x.pointer, y.pointer, rows: rows)
            layer.forward(x.pointer, residual.pointer, rows: rows, accumulate: true)
            let dW = Tensor(zeros: w.shape), dB = Tensor(zeros: [outputs]), dx = Tensor(zeros: [rows, inputs])
            layer.backward(dy.pointer, x.pointer, rows: rows, dWeight: dW, dBias: dB, dx: dx.pointer)
            for r in 0..<rows {
                for o in 0..<outputs {
                    let want = (0..<inputs).reduce(Double(b[flat: o])) { $0 + Double(x[flat: r * inputs + $1]) * weight(o, $1) }
                    XCTAssertEqual(Double(y[flat: r * outputs + o]), want, accuracy: 1e-5, "\(layout)")
                    XCTAssertEqual(Double(residual[flat: r * outputs + o]), want + Double(r * outputs + o), accuracy: 1e-5)
                }
                for i in 0..<inputs {
                    let want = (0..<outputs).reduce(0.0) { $0 + Double(dy[flat: r * outputs + $1]) * weight($1, i) }
                    XCTAssertEqual(Double(dx[flat: r * inputs + i]), want, accuracy: 1e-5, "\(layout) dx")
                }
            }
            for o in 0..<outputs {
                XCTAssertEqual(Double(dB[flat: o]), (0..<rows).reduce(0.0) { $0 + Double(dy[flat: $1 * outputs + o]) }, accuracy: 1e-5)
                for i in 0..<inputs {
                    let want = (0..<rows).reduce(0.0) { $0 + Double(dy[flat: $1 * outputs + o]) * Double(x[flat: $1 * inputs + i]) }
                    let got = layout == .outIn ? dW[flat: o * inputs + i] : dW[flat: i * outputs + o]
                    XCTAssertEqual(Double(got), want, accuracy: 1e-5, "\(layout) dW")
                }
            }
        }
    }

    /// The oneDNN float32 engine adds the bias inside its matmul (and the residual as a sum post-op): the same
    /// values as the definition, within float32 rounding, with and without a bias.
    func testTheOneDNNProductAddsTheBiasItself() throws {
        guard OneDNN.version != nil else { throw XCTSkip("libdnnl is not installed") }
        let rows = 9, inputs = 40, outputs = 24
        let x = Self.tensor([rows, inputs], seed: 5), b = Self.tensor([outputs], seed: 6)
        let w = Self.tensor([outputs, inputs], seed: 7)
        let backend = try MatrixBackend.for(.fp32, engine: .oneDNN)
        for bias in [FrozenTensor(b), nil] {
            let layer = Linear(weight: FrozenTensor(w), bias: bias, backend: backend)
            guard case .oneDNN = layer.packed else { return XCTFail("not packed by oneDNN") }
            func product(_ r: Int, _ o: Int) -> Double {
                (0..<inputs).reduce(bias == nil ? 0 : Double(b[flat: o])) { $0 + Double(x[flat: r * inputs + $1]) * Double(w[flat: o * inputs + $1]) }
            }
            let y = Tensor(zeros: [rows, outputs]), residual = Tensor(zeros: [rows, outputs])
            for i in 0..<residual.count { y[flat: i] = .nan; residual[flat: i] = Float(i % 7) }
            layer.forward(x.pointer, y.pointer, rows: rows)
            layer.forward(x.pointer, residual.pointer, rows: rows, accumulate: true)
            for r in 0..<rows {
                for o in 0..<outputs {
                    let want = product(r, o), i = r * outputs + o
                    XCTAssertEqual(Double(y[flat: i]), want, accuracy: 1e-5 * (1 + abs(want)), "bias \(bias != nil)")
                    XCTAssertEqual(Double(residual[flat: i]), want + Double(i % 7), accuracy: 1e-5 * (1 + abs(want)))
                }
            }
        }
    }
}
