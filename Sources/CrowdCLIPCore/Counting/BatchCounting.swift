import Foundation

/// Counts many images: each result is written (and flushed) as soon as it is known, a bad file becomes an
/// error record and the batch goes on, and images already in the output are skipped on resume.
public final class BatchCounting {
    public struct Summary: Sendable { public var counted = 0, failed = 0, skipped = 0 }

    public let counter: CrowdCounter
    public let format: CountOutputFormat
    public let visualizeDirectory: String?
    private let write: (String) throws -> Void
    private var pictureNames: Set<String> = []

    /// - Parameter write: receives each output line (without newline), in order; an error from it (a full
    ///   disk) stops the batch, since results could no longer be kept.
    public init(counter: CrowdCounter, format: CountOutputFormat, visualizeDirectory: String? = nil,
                write: @escaping (String) throws -> Void) throws {
        self.counter = counter
        self.format = format
        self.visualizeDirectory = visualizeDirectory
        self.write = write
        if let dir = visualizeDirectory {
            do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                throw ImageError.cannotWrite(file: dir, reason: "cannot create the picture folder: \(error.localizedDescription)")
            }
        }
    }

    /// - Parameters:
    ///   - skip: images whose results are already written (resume).
    ///   - onFailure: called for each failed image with the message (the CLI prints it on stderr).
    ///   - progress: called after each image with (done, total).
    public func run(_ images: [String], skip: Set<String> = [], onFailure: (String, String) -> Void = { _, _ in },
                    progress: (Int, Int) -> Void = { _, _ in }) throws -> Summary {
        var summary = Summary()
        for (i, path) in images.enumerated() {
            defer { progress(i + 1, images.count) }
            if skip.contains(path) { summary.skipped += 1; continue }
            let line: String
            do {
                let image = try ImageIO.decode(path: path)
                let result = try counter.count(image, name: path)
                if let dir = visualizeDirectory {
                    try ImageIO.writePNG(CountVisualizer.render(image, result), to: (dir as NSString).appendingPathComponent(pictureName(for: path)))
                }
                line = format.line(for: result)
                summary.counted += 1
            } catch {
                summary.failed += 1
                line = format.line(forFailure: path, error: "\(error)")
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

/// A one-line progress bar on standard error with rate and time left; silent when stderr is not a terminal.
public final class ProgressBar {
    private let label: String
    private let start = Date()
    private let enabled: Bool
    private var lastDraw = Date.distantPast

    public init(label: String, enabled: Bool = isatty(2) != 0) {
        self.label = label
        self.enabled = enabled
    }

    public func update(done: Int, total: Int, extra: String = "") {
        guard enabled, total > 0 else { return }
        let now = Date()
        guard done == total || now.timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = now
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let left = rate > 0 ? Double(total - done) / rate : 0
        let width = 24, filled = width * done / total
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let line = "\r\(label) \(bar) \(done)/\(total)  \(String(format: "%.2f", rate))/s  left \(Self.clock(left)) \(extra)"
        FileHandle.standardError.write(line.data(using: .utf8)!)
        if done == total { FileHandle.standardError.write("\n".data(using: .utf8)!) }
    }

    static func clock(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String(format: "%d:%02d", t / 60, t % 60)
    }
}
