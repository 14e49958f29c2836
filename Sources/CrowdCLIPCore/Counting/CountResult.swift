import Foundation

/// The count of one image.
public struct CountResult: Sendable, Equatable {
    /// The name the image was counted under (its path for `count(imageAt:)`).
    public let image: String
    /// Size of the image that was cut, after any `maxLongSide` shrink.
    public let width: Int, height: Int
    /// The estimated number of people: the sum of the kept patches' counts.
    public let count: Double
    /// Every patch of the grid in row-major order, kept or not.
    public let patches: [PatchResult]
}
