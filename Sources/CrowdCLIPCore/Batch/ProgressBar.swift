import Foundation

/// A one-line progress bar on standard error with rate and time left, for terminals only: on a pipe or a file
/// it draws nothing and writes no escape codes.
///
/// Other output to the same terminal goes through `printAbove`, which clears the bar's line, prints, and draws
/// the bar again below, so rows and the bar never share a line. Images skipped on resume count toward the bar
/// but not toward the rate or the time left.
package final class ProgressBar {
    private let label: String
    /// Whether the bar is drawn; when false, `update` does nothing and `printAbove` just prints.
    package let enabled: Bool
    private var lastDraw = Date.distantPast
    private var started = Date()
    private var last: (done: Int, total: Int, skipped: Int, extra: String)?
    private var visible = false

    /// A bar titled `label`, enabled by default only when standard error is a terminal.
    package init(label: String, enabled: Bool = isatty(2) != 0) {
        self.label = label
        self.enabled = enabled
    }

    /// - Parameter skipped: how many of `done` cost no work (already done by an earlier run).
    package func update(done: Int, total: Int, skipped: Int = 0, extra: String = "") {
        guard enabled, total > 0 else { return }
        let now = Date()
        if done - skipped <= 0 { started = now }  // the clock starts with the first image not skipped
        last = (done, total, skipped, extra)
        guard done == total || now.timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = now
        draw()
        if done == total { Self.emit("\n"); visible = false; last = nil }
    }

    /// Prints `text` (a whole line) on `fd` above the bar.
    package func printAbove(_ text: String, fd: Int32 = 2) {
        if enabled && visible { Self.emit("\r\u{1B}[K") }
        Self.emit(text + "\n", fd: fd)
        if enabled && visible { draw() }
    }

    /// Runs `body` (which writes to the terminal) with the bar taken off the screen, then draws it again.
    package func withBarHidden<T>(_ body: () throws -> T) rethrows -> T {
        guard enabled && visible else { return try body() }
        Self.emit("\r\u{1B}[K")
        defer { draw() }
        return try body()
    }

    private func draw() {
        guard let last else { return }
        let elapsed = Date().timeIntervalSince(started)
        let worked = last.done - last.skipped
        let rate = elapsed > 0 && worked > 0 ? Double(worked) / elapsed : 0
        let left = rate > 0 ? Self.clock(Double(last.total - last.done) / rate) : "-:--"
        let width = 24, filled = width * last.done / last.total
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let skipped = last.skipped > 0 ? "  \(last.skipped) skipped" : ""
        Self.emit("\r\(label) \(bar) \(last.done)/\(last.total)\(skipped)  \(String(format: "%.2f", rate))/s  left \(left) \(last.extra)\u{1B}[K")
        visible = true
    }

    private static func emit(_ s: String, fd: Int32 = 2) {
        var s = s
        s.withUTF8 { buf in
            var off = 0
            while off < buf.count {
                let n = write(fd, buf.baseAddress! + off, buf.count - off)
                if n < 0 { if errno == EINTR { continue }; return }
                off += n
            }
        }
    }

    static func clock(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String(format: "%d:%02d", t / 60, t % 60)
    }
}
