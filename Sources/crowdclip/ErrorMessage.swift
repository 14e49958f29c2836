import CrowdCLIPCore

/// The CLI's wording of a library error: the library names its own settings (`headsTopK`, `counter`); here they
/// become the options a user types, and a missing-weights message gets the ways to get them.
enum ErrorMessage {
    /// The option that sets each `CountingError.invalidConfiguration` setting.
    static let optionForSetting = [
        "grid": "--grid", "headsTopK": "--heads-top-k", "maxLongSide": "--max-long-side", "countPrompts": "--counts",
        "crowdTarget": "--crowd-classes", "headsTarget": "--heads-classes", "base": "--weights", "counter": "--counter-weights",
        "precision": "--precision",
    ]

    static let howToGetWeights = "Get ViT-B/16 with `make weights` (it saves a verified copy in Weights/), or pass --weights PATH."

    /// `error`'s message as `crowdclip` prints it.
    static func text(for error: Error) -> String {
        switch error {
        case let CountingError.invalidConfiguration(setting, reason):
            return "\(optionForSetting[setting] ?? setting) \(reason)"
        case WeightError.notFound: return "\(error). \(howToGetWeights)"
        default: return "\(error)"
        }
    }
}
