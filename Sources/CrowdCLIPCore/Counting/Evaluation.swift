import Foundation

/// Counts a labelled split and scores it (MAE, and MSE as the root of the mean squared error).
public final class Evaluation {
    /// One counted image: its path, its label (nil when unlabelled) and the count.
    public struct Row: Sendable { public let image: String; public let groundTruth: Double?; public let count: Double }
    /// The scores of a run, every row, and the images that could not be counted.
    public struct Report: Sendable {
        /// MAE and MSE over the labelled images.
        public var metrics = CountingMetrics()
        /// Every counted image, in input order.
        public var rows: [Row] = []
        /// Images that could not be counted, with the reason; the run went on past them.
        public var failures: [(image: String, error: String)] = []
        /// Images counted without a label (NWPU test split): no MAE for them.
        public var unlabelled = 0
    }

    /// The counter every sample goes through.
    package let counter: CrowdCounter
    /// Decode and prepare the next image on a background thread while the encoders run on this one (on by
    /// default, as `BatchCounting` does); off, each image is decoded when its turn comes. The report is the same.
    var overlap = true
    /// An evaluation that counts with `counter`.
    public init(counter: CrowdCounter) { self.counter = counter }

    /// Counts every sample and scores the labelled ones; an image that fails is reported and skipped.
    /// An error thrown by `row` (the per-image CSV could not be written) stops the evaluation.
    /// - Parameters:
    ///   - samples: the images and their labels, from `DatasetReader`.
    ///   - row: called with each result as soon as it is known (for a per-image CSV).
    ///   - onFailure: called with the image path and the message for each image that could not be counted.
    ///   - progress: called after each image with (done, total, the metrics so far).
    public func run(_ samples: [DatasetSample], row: (Row) throws -> Void = { _ in },
                    onFailure: (_ image: String, _ message: String) -> Void = { _, _ in },
                    progress: (_ done: Int, _ total: Int, _ metrics: CountingMetrics) -> Void = { _, _, _ in }) throws -> Report {
        var report = Report()
        let prefetch = ImagePrefetch(counter: counter, overlap: overlap)
        // One resize to the stricter of the dataset's and the configuration's limits, before the grid is cut.
        let configured = counter.configuration.maxLongSide
        func start(_ i: Int) -> ImagePrefetch.Pending? {
            guard i < samples.count else { return nil }
            let limit = [samples[i].maxLongSide, configured].compactMap { $0 }.min()
            return prefetch.start(samples[i].imagePath, maxLongSide: limit)
        }
        var next = start(0)
        for (i, sample) in samples.enumerated() {
            guard let pending = next else { break }
            next = start(i + 1)  // decodes while this image is counted
            var counted: Row?
            do {
                let result = try counter.count(pending.outcome().get().prepared)
                let r = Row(image: sample.imagePath, groundTruth: sample.groundTruth, count: result.count)
                if let gt = sample.groundTruth { report.metrics.add(predicted: result.count, groundTruth: gt) } else { report.unlabelled += 1 }
                report.rows.append(r)
                counted = r
            } catch {
                report.failures.append((sample.imagePath, "\(error)"))
                onFailure(sample.imagePath, "\(error)")
            }
            if let r = counted { try row(r) }
            progress(i + 1, samples.count, report.metrics)
        }
        return report
    }
}
