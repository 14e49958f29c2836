import Foundation

/// Optimisers with `torch.optim`'s update formulas (single-tensor path, float32).
public enum OptimizerKind: String, Sendable, CaseIterable {
    /// RAdam, AdamW (decoupled weight decay) and SGD with optional momentum.
    case radam, adamw, sgd
}
