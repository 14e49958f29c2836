import Foundation

/// Why counting could not start or could not count an image.
public enum CountingError: Error, CustomStringConvertible {
    /// A configuration or model pairing that cannot work: `setting` names the `CountingConfiguration` property
    /// (`grid`, `headsTopK`, …) or the model (`base`, `counter`) at fault; `reason` says what to change.
    case invalidConfiguration(setting: String, reason: String)
    /// The named image has fewer pixels per side than the grid has patches.
    case imageTooSmall(image: String, width: Int, height: Int, grid: Int)

    /// The message, naming the image or the setting at fault.
    public var description: String {
        switch self {
        case let .invalidConfiguration(setting, reason): return "invalid counting configuration: \(setting) \(reason)"
        case let .imageTooSmall(name, w, h, g): return "\(name): image is \(w)×\(h), too small for a \(g)×\(g) grid"
        }
    }
}
