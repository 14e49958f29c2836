import Foundation

/// The table's columns: the image name (cut from the left when too long), the count right-aligned (one
/// decimal for `--aggregation expectation`, so long values stay inside the column), kept patches.
enum TableLayout {
    static let imageWidth = 48, countWidth = 10

    static var header: String { cell("image", imageWidth) + " " + "count".leftPadded(countWidth) + "  kept" }

    static func row(_ r: CountResult) -> String {
        let count = r.count == r.count.rounded() ? String(Int(r.count)) : String(format: "%.1f", r.count)
        let kept = "\(r.patches.filter(\.selected).count)/\(r.patches.count)"
        return cell(r.image, imageWidth) + " " + count.leftPadded(countWidth) + "  " + kept
    }

    static func failure(_ image: String, error: String) -> String {
        cell(image, imageWidth) + " " + "error".leftPadded(countWidth) + "  " + error
    }

    static func cell(_ s: String, _ width: Int) -> String {
        s.count > width ? "…" + s.suffix(width - 1) : s.padding(toLength: width, withPad: " ", startingAt: 0)
    }
}
