import Foundation

/// Hyper-parameters of an optimiser; the defaults are `torch.optim`'s (RAdam).
public struct OptimizerSettings: Sendable, Equatable {
    /// Which update formula to use.
    public var kind: OptimizerKind = .radam
    /// Adam-family moment decay rates and the denominator's epsilon.
    var beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8
    /// L2 penalty (RAdam, SGD) or decoupled decay (AdamW).
    package var weightDecay: Float = 0
    /// SGD momentum (0: none).
    var momentum: Float = 0
    /// `torch.optim`'s defaults for RAdam.
    public init() {}
}
