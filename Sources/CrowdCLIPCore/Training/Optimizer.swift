import Foundation

/// Optimiser state over a parameter set: the moments (or momentum buffer) and the step count.
final class Optimizer {
    /// The hyper-parameters in use.
    let settings: OptimizerSettings
    /// Steps taken so far (bias corrections depend on it).
    package private(set) var step = 0
    let first: VisionParameters, second: VisionParameters

    init(settings: OptimizerSettings, like parameters: VisionParameters) {
        self.settings = settings
        first = VisionParameters(zerosLike: parameters)
        second = VisionParameters(zerosLike: parameters)
    }

    /// Applies one update with learning rate `lr` to `parameters` from `gradients`.
    func update(_ parameters: VisionParameters, gradients: VisionParameters, lr: Float) {
        step += 1
        // Scalars in double precision, as PyTorch computes them in Python floats.
        let s = settings, t = Double(step), b1 = Double(s.beta1), b2 = Double(s.beta2)
        let bc1d = 1 - Foundation.pow(b1, t), bc2d = 1 - Foundation.pow(b2, t)
        let rhoInf = 2 / (1 - b2) - 1
        let rhoT = rhoInf - 2 * t * Foundation.pow(b2, t) / bc2d
        let rect = Float(rhoT > 5 ? ((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT)).squareRoot() : 0)
        let bc1 = Float(bc1d)
        for (k, param) in parameters.tensors.enumerated() {
            let p = param.pointer, g = gradients.tensors[k].pointer, m = first.tensors[k].pointer, v = second.tensors[k].pointer
            let count = param.count
            switch s.kind {
            case .sgd:
                for i in 0..<count {
                    var d = g[i] + s.weightDecay * p[i]
                    if s.momentum != 0 {
                        m[i] = step == 1 ? d : s.momentum * m[i] + d
                        d = m[i]
                    }
                    p[i] -= lr * d
                }
            case .adamw:
                let stepSize = Float(Double(lr) / bc1d), bc2Sqrt = Float(bc2d.squareRoot())
                for i in 0..<count {
                    p[i] *= 1 - lr * s.weightDecay
                    m[i] += (g[i] - m[i]) * (1 - s.beta1)
                    v[i] = s.beta2 * v[i] + (1 - s.beta2) * g[i] * g[i]
                    p[i] -= stepSize * m[i] / (v[i].squareRoot() / bc2Sqrt + s.epsilon)
                }
            case .radam:
                let bc2Sqrt = Float(bc2d.squareRoot())
                for i in 0..<count {
                    let gi = g[i] + s.weightDecay * p[i]
                    m[i] += (gi - m[i]) * (1 - s.beta1)
                    v[i] = s.beta2 * v[i] + (1 - s.beta2) * gi * gi
                    let mHat = m[i] / bc1
                    if rhoT > 5 {
                        p[i] -= mHat * lr * (bc2Sqrt / (v[i].squareRoot() + s.epsilon)) * rect
                    } else {
                        p[i] -= mHat * lr
                    }
                }
            }
        }
    }

    /// The state as named tensors plus the step, for checkpoints.
    func stateTensors() -> [(String, Tensor)] {
        zip(first.names, first.tensors).map { ("m." + $0, $1) } + zip(second.names, second.tensors).map { ("v." + $0, $1) }
    }

    func restore(from store: WeightStore, step: Int) throws {
        for (name, t) in zip(first.names, first.tensors) { t.pointer.update(from: try store.tensor("m." + name, shape: t.shape).pointer, count: t.count) }
        for (name, t) in zip(second.names, second.tensors) { t.pointer.update(from: try store.tensor("v." + name, shape: t.shape).pointer, count: t.count) }
        self.step = step
    }
}
