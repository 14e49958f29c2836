import ArgumentParser
import CrowdCLIPCore
import Foundation

/// `crowdclip embed text|image`: one JSON array (an L2-normalised CLIP feature) per line.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Print L2-normalised CLIP features, one JSON array per line.",
        subcommands: [EmbedText.self, EmbedImage.self])
}

/// Prints a feature row as a JSON array (shortest round-trip decimal for each float; NaN and infinity as null).
func jsonRow(_ t: Tensor, _ i: Int) -> String {
    let cols = t.shape[1]
    return "[" + (0..<cols).map { JSONText.number(orNull: t[flat: i * cols + $0]) }.joined(separator: ",") + "]"
}
