import Foundation

/// MAE and MSE as the crowd-counting literature reports them: MSE is the root of the mean squared error.
public struct CountingMetrics: Sendable, Equatable {
    /// How many images have been added.
    public private(set) var count = 0
    private var absoluteSum = 0.0, squaredSum = 0.0

    /// Empty metrics (MAE and MSE are NaN until an image is added).
    public init() {}

    /// Adds one image's predicted and labelled counts.
    public mutating func add(predicted: Double, groundTruth: Double) {
        let e = predicted - groundTruth
        absoluteSum += abs(e)
        squaredSum += e * e
        count += 1
    }

    /// Mean absolute error; NaN before any image.
    public var mae: Double { count == 0 ? .nan : absoluteSum / Double(count) }
    /// Root mean squared error (named MSE in the papers).
    public var mse: Double { count == 0 ? .nan : (squaredSum / Double(count)).squareRoot() }
}
