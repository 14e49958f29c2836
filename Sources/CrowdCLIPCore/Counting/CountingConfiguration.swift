import Foundation

/// Everything the test stage can be told: the grid, the three prompt sets, the count values and how a
/// patch's count is read off the similarities. Defaults are the paper's.
public struct CountingConfiguration: Sendable, Equatable {
    /// Patches per side (3 for ShanghaiTech in the paper, 4 for UCF-QNRF).
    public var grid: Int = 3
    /// Stage 1: keep a patch when `crowdTarget` ranks first among `crowdClasses`.
    public var crowdTemplate = "The object is {}"
    /// Stage 1 classes; a patch is kept when `crowdTarget` scores highest.
    public var crowdClasses = ["crowd", "tree", "car", "traffic light"]
    /// The stage 1 class that keeps a patch.
    public var crowdTarget = "crowd"
    /// Stage 2: keep it when `headsTarget` is among the top `headsTopK` of `headsClasses`.
    public var headsTemplate = "The objects are {}"
    /// Stage 2 classes; a patch is kept when `headsTarget` is among the best `headsTopK`.
    public var headsClasses = ["human heads", "hands", "legs", "road", "house", "shadow of man"]
    /// The stage 2 class that keeps a patch.
    public var headsTarget = "human heads"
    /// How many of the best stage 2 classes `headsTarget` must be among.
    public var headsTopK = 3
    /// Stage 3: the count prompts; a kept patch gets one of their values (or their softmax-weighted mean).
    public var countPrompts = RankingPrompts.paper
    /// How a patch's count is read off its similarities to the count prompts.
    public var aggregation: Aggregation = .argmax
    /// Resize images whose longer side exceeds this before cutting (2048 for UCF-QNRF); nil keeps the size.
    public var maxLongSide: Int?
    /// Patches per encoder call (16 by default: a 3×3 grid goes in one call, a 64×64 one does not exhaust memory).
    var batchSize: Int?
    /// The number format the models must be loaded in (`CLIPModel(path:headWidth:precision:)`); `CrowdCounter`
    /// checks that both are.
    public var precision: Precision = .fp32

    /// How a kept patch's count is read off the count prompts.
    public enum Aggregation: String, Sendable, CaseIterable {
        /// The paper: the value of the best-matching count prompt.
        case argmax
        /// Beyond the paper: the softmax-weighted mean of the values at the model's logit scale.
        case expectation
    }

    /// The paper's configuration (a 3×3 grid, its prompts and counts).
    public init() {}

    /// `template` with `{}` replaced by each item, in order.
    package func prompts(_ template: String, _ items: [String]) -> [String] {
        items.map { template.replacingOccurrences(of: "{}", with: $0) }
    }

    /// Checks the configuration; the message says what to change.
    public func validate() throws {
        func fail(_ setting: String, _ reason: String) -> CountingError { .invalidConfiguration(setting: setting, reason: reason) }
        guard (1...64).contains(grid) else { throw fail("grid", "must be between 1 and 64 (got \(grid))") }
        guard crowdClasses.contains(crowdTarget) else { throw fail("crowdTarget", "\"\(crowdTarget)\" is not among the crowd classes") }
        guard headsClasses.contains(headsTarget) else { throw fail("headsTarget", "\"\(headsTarget)\" is not among the heads classes") }
        guard (1...headsClasses.count).contains(headsTopK) else { throw fail("headsTopK", "must be between 1 and \(headsClasses.count)") }
        guard !countPrompts.values.isEmpty else { throw fail("countPrompts", "need at least one count value") }
        if let m = maxLongSide, m < grid { throw fail("maxLongSide", "\(m) is smaller than the grid (\(grid))") }
    }
}
