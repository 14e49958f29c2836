import Foundation

/// Counts many images: each result is written (and flushed) as soon as it is known, a bad file becomes an
/// error record and the batch goes on, and images already in the output are skipped on resume.
public final class BatchCounting {
    public struct Summary: Sendable { public var counted = 0, failed = 0, skipped = 0 }

    public let counter: CrowdCounter
    public let format: CountOutputFormat
    public let visualizeDirectory: String?
    private let write: (String) -> Void

    /// - Parameter write: receives each output line (without newline), in order.
    public init(counter: CrowdCounter, format: CountOutputFormat, visualizeDirectory: String? = nil, write: @escaping (String) -> Void) {
        self.counter = counter
        self.format = format
        self.visualizeDirectory = visualizeDirectory
        self.write = write
    }

    /// - Parameters:
    ///   - skip: images whose results are already written (resume).
    ///   - onFailure: called for each failed image with the message (the CLI prints it on stderr).
    ///   - progress: called after each image with (done, total).
    public func run(_ images: [String], skip: Set<String> = [], onFailure: (String, String) -> Void = { _, _ in },
                    progress: (Int, Int) -> Void = { _, _ in }) -> Summary {
        var summary = Summary()
        if let dir = visualizeDirectory { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        for (i, path) in images.enumerated() {
            defer { progress(i + 1, images.count) }
            if skip.contains(path) { summary.skipped += 1; continue }
            do {
                let image = try ImageIO.decode(path: path)
                let result = try counter.count(image, name: path)
                write(format.line(for: result))
                summary.counted += 1
                if let dir = visualizeDirectory {
                    let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension + ".png"
                    try ImageIO.writePNG(CountVisualizer.render(image, result), to: (dir as NSString).appendingPathComponent(name))
                }
            } catch {
                summary.failed += 1
                write(format.line(forFailure: path, error: "\(error)"))
                onFailure(path, "\(error)")
            }
        }
        return summary
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
