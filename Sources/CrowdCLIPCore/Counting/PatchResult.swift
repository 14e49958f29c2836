import Foundation

/// One patch of the grid and what the test stage decided for it.
public struct PatchResult: Sendable, Equatable {
    /// Position in the grid, from the top-left patch (0, 0).
    public let row: Int, col: Int
    /// The patch's pixels in the (possibly shrunk) image.
    public let box: PixelBox
    /// Passed both filters (the base CLIP sees a crowd and human heads).
    public let selected: Bool
    /// The patch's count (0 when not selected).
    public let count: Double
    /// How far the deciding similarity was from flipping the decision (filters, then the count).
    let margin: Float
}
