import Foundation

/// One image of a dataset with its ground-truth count (nil where labels are not public).
public struct DatasetSample: Sendable, Equatable {
    /// Path of the image file.
    public let imagePath: String
    /// The labelled head count, nil where the split's labels are not public.
    public let groundTruth: Double?
    /// Longer-side limit the official preprocessing applies before cutting (UCF-QNRF: 2048).
    let maxLongSide: Int?

    /// A sample; `maxLongSide` is the dataset's resize limit, if any.
    public init(imagePath: String, groundTruth: Double?, maxLongSide: Int? = nil) {
        self.imagePath = imagePath
        self.groundTruth = groundTruth
        self.maxLongSide = maxLongSide
    }
}
