import Foundation

/// The count prompts: `template` with `{}` replaced by each of `values`.
///
/// The frozen text encoder turns them into the features that rank the six nested crops when training and that
/// pick a kept patch's count when counting, so both stages (``TrainingConfiguration/countPrompts`` and
/// ``CountingConfiguration/countPrompts``) and the `crowdclip` defaults read them from here.
public struct RankingPrompts: Sendable, Equatable {
    /// The sentence, with `{}` where each count goes.
    public var template: String
    /// The counts the prompts name, smallest first (training pairs them with the nested crops, smallest first).
    public var values: [Int]

    /// Prompts for `values` in `template`.
    public init(template: String, values: [Int]) {
        self.template = template
        self.values = values
    }

    /// CrowdCLIP's prompts: "There are {} persons in the crowd" for 20, 55, 90, 125, 160 and 195.
    public static let paper = RankingPrompts(template: "There are {} persons in the crowd", values: [20, 55, 90, 125, 160, 195])

    /// The prompt sentences, one per value, in order.
    var texts: [String] { values.map { template.replacingOccurrences(of: "{}", with: String($0)) } }
}
