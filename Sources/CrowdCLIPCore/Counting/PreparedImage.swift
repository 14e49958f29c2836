import Foundation

/// An image cut into its grid, with the first batch of patches already preprocessed: what
/// `CrowdCounter.prepare(_:name:)` makes without the encoders, so that `BatchCounting` can make it for the next
/// image while the encoders run on this one. Holds one batch of inputs at most, whatever the grid.
/// Unchecked only because the inputs are a `Tensor`: the prefetch queue fills it and hands it over once.
package struct PreparedImage: @unchecked Sendable {
    /// The name the image is counted under.
    package let name: String
    /// The image that is cut, after any `maxLongSide` shrink.
    package let image: RGBImage
    /// The grid's patch boxes, row by row.
    let boxes: [PixelBox]
    /// Network inputs `[n, 3, 224, 224]` of the first n patches (n = the batch size, or every patch when fewer).
    let firstBatch: Tensor
}
