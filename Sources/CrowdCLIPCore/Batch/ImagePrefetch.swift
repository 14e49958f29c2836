import Foundation

/// Decodes and prepares images for `BatchCounting` and `Evaluation` on one background queue, in the order they
/// are asked for, so that the next image is ready when the encoders finish this one. With `overlap` off, each
/// image is decoded and prepared when its result is asked for, on the caller's thread (the sequential path, same
/// results).
final class ImagePrefetch: Sendable {
    /// A decoded image and its prepared grid, or why it could not be had (an error record).
    typealias Outcome = Result<(decoded: RGBImage, prepared: PreparedImage), Error>

    /// One image on its way; `outcome()` waits for it. Unchecked: `value` is written once, by the queue before it
    /// signals `ready` or by the one caller of `outcome()` when there is no queue, and read only after that.
    final class Pending: @unchecked Sendable {
        private let ready = DispatchSemaphore(value: 0)
        private var value: Outcome?
        private let work: @Sendable () -> Outcome
        private let overlapped: Bool

        fileprivate init(queue: DispatchQueue?, work: @escaping @Sendable () -> Outcome) {
            self.work = work
            overlapped = queue != nil
            queue?.async { [self] in
                value = work()
                ready.signal()
            }
        }

        /// The image's outcome; blocks until the background queue has it (the semaphore orders the write before
        /// this read).
        func outcome() -> Outcome {
            if overlapped { ready.wait(); ready.signal() } else if value == nil { value = work() }
            return value!
        }
    }

    private let counter: CrowdCounter
    private let queue: DispatchQueue?

    init(counter: CrowdCounter, overlap: Bool) {
        self.counter = counter
        queue = overlap ? DispatchQueue(label: "crowdclip.prefetch", qos: .userInitiated) : nil
    }

    /// Starts decoding and preparing `path` after the images asked for before it. `maxLongSide` first shrinks
    /// the decoded image (an evaluation's dataset limit); `decoded` stays the image as decoded.
    func start(_ path: String, maxLongSide: Int? = nil) -> Pending {
        let counter = self.counter
        return Pending(queue: queue) {
            Result {
                let decoded = try ImageIO.decode(path: path)
                let limited = PatchGrid.limitingLongSide(decoded, to: maxLongSide)
                return (decoded: decoded, prepared: try counter.prepare(limited, name: path))
            }
        }
    }
}
