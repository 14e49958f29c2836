import Foundation

/// Settings of a training run; defaults are the paper's.
public struct TrainingConfiguration: Sendable {
    /// Passes over the training images.
    public var epochs = 100
    /// Base learning rate, before the `milestones` decay.
    public var learningRate: Float = 1e-6
    /// Epochs at which the learning rate is multiplied by `gamma` (MultiStepLR).
    public var milestones = [60]
    /// Factor applied to the learning rate at each milestone.
    public var gamma: Float = 0.1
    /// Optimiser and its hyper-parameters (RAdam by default).
    public var optimizer = OptimizerSettings()
    /// Images per step (each gives six crops).
    public var batchImages = 1
    /// Stop after this many steps (counted over the whole run, resumed steps included); nil: run all `epochs`.
    public var maxSteps: Int?
    /// Seeds the per-epoch shuffle and the crop/flip augmentation, so a run (and a resumed run) is reproducible.
    public var seed: UInt64 = 0
    /// Random crop and horizontal flip of each image; false: centre crop, no flip.
    public var augment = true
    /// The six count prompts that rank the six nested crops (smallest crop ↔ first value); encoded once by the
    /// frozen text encoder.
    public var countPrompts = RankingPrompts.paper
    /// Channels per attention head when the weights do not say (64 in every released CLIP).
    public var headWidth = 64
    /// The paper's settings (see each property).
    public init() {}

    func learningRate(epoch: Int) -> Float {
        learningRate * Float.init(Foundation.pow(Double(gamma), Double(milestones.filter { epoch >= $0 }.count)))
    }
}
