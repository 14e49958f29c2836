import Foundation

/// Why counting could not start or could not count an image.
public enum CountingError: Error, CustomStringConvertible {
    /// A configuration or model pairing that cannot work; the message says what to change.
    case invalidConfiguration(String)
    /// The named image has fewer pixels per side than the grid has patches.
    case imageTooSmall(image: String, width: Int, height: Int, grid: Int)
    /// No weights were named and none were found; the message says how to get them.
    case noWeights(String)

    /// The message, naming the image or the setting at fault.
    public var description: String {
        switch self {
        case let .invalidConfiguration(m): return "invalid counting configuration: \(m)"
        case let .imageTooSmall(name, w, h, g): return "\(name): image is \(w)×\(h), too small for a \(g)×\(g) grid"
        case let .noWeights(m): return m
        }
    }
}
