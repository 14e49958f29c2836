import Foundation

/// Counts many images: each result is written as soon as it is known, a bad file becomes an error record and the
/// batch goes on, and images an earlier run already counted (by their `CanonicalPath`) are skipped on resume.
package final class BatchCounting {
    /// The outcome of a batch: images counted, images that failed (written as error records), and images
    /// skipped because the resumed output already counted them.
    package struct Summary: Sendable { package var counted = 0, failed = 0, skipped = 0 }

    /// Where a batch stands, after each image.
    package struct Progress: Sendable {
        /// Images handled so far (skipped ones included), images in the batch, and how many of `done` were
        /// skipped on resume.
        package var done = 0, total = 0, skipped = 0
    }

    /// The counter each image goes through.
    package let counter: CrowdCounter
    /// The format of the output lines passed to `write`.
    package let format: CountOutputFormat
    /// Folder that receives a PNG of each counted image with its patch grid, kept patches and counts drawn
    /// (`--visualize`); nil for none.
    package let visualizeDirectory: String?
    /// Decode and prepare the next image on a background thread while the encoders run on this one (on by
    /// default); off, each image is decoded when its turn comes. The records are the same either way.
    package var overlap = true
    private let write: (String) throws -> Void
    private var pictureNames: Set<String> = []

    /// - Parameter write: receives each output line (without newline), in order; an error from it (a full
    ///   disk) stops the batch, since results could no longer be kept.
    package init(counter: CrowdCounter, format: CountOutputFormat, visualizeDirectory: String? = nil,
                write: @escaping (String) throws -> Void) throws {
        self.counter = counter
        self.format = format
        self.visualizeDirectory = visualizeDirectory
        self.write = write
        if let dir = visualizeDirectory { try Self.preparePictureFolder(dir) }
    }

    /// Creates the `--visualize` folder and checks it is writable (callers do this before loading weights).
    package static func preparePictureFolder(_ dir: String) throws {
        try Folders.create(dir, what: "cannot create the picture folder")
    }

    /// - Parameters:
    ///   - resume: what an earlier run wrote; its counted images are skipped, its failures tried again.
    ///   - onFailure: called for each failed image with the message (the CLI prints it on stderr).
    ///   - progress: called after each image.
    package func run<Images: Collection>(_ images: Images, resume: ResumeIndex = ResumeIndex(),
                                        onFailure: (String, String) -> Void = { _, _ in },
                                        progress: (Progress) -> Void = { _ in }) throws -> Summary where Images.Element == String {
        var summary = Summary()
        var state = Progress(total: images.count)
        let prefetch = ImagePrefetch(counter: counter, overlap: overlap)
        // The next image to count starts decoding before this one is encoded; skipped images start nothing.
        func plan(_ path: String) -> (path: String, identity: String?, pending: ImagePrefetch.Pending?) {
            let identity = CanonicalPath.of(path)
            if let identity, resume.countedImages > 0, resume.contains(path: identity) { return (path, identity, nil) }
            return (path, identity, prefetch.start(path))
        }
        var paths = images.makeIterator()
        var next = paths.next().map(plan)
        while let item = next {
            next = paths.next().map(plan)
            defer { state.done += 1; state.skipped = summary.skipped; progress(state) }
            guard let pending = item.pending else { summary.skipped += 1; continue }
            let (path, identity) = (item.path, item.identity)
            let line: String
            do {
                let (image, prepared) = try pending.outcome().get()
                let result = try counter.count(prepared)
                if let dir = visualizeDirectory {
                    try ImageIO.writePNG(CountVisualizer.render(image, result), to: (dir as NSString).appendingPathComponent(pictureName(for: path)))
                }
                line = format.line(for: result, path: identity)
                summary.counted += 1
            } catch {
                summary.failed += 1
                line = format.line(forFailure: path, path: identity, error: "\(error)")
                onFailure(path, "\(error)")
            }
            try write(line)
        }
        return summary
    }

    /// `IMG_1.png` for `photos/IMG_1.jpg`; a later image with the same stem gets `IMG_1-2.png`, and so on.
    private func pictureName(for path: String) -> String {
        let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        var name = stem + ".png", n = 1
        while pictureNames.contains(name) { n += 1; name = "\(stem)-\(n).png" }
        pictureNames.insert(name)
        return name
    }
}
