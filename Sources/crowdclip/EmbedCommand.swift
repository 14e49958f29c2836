import ArgumentParser
import CrowdCLIPCore

// Placeholder until its owner lands it.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "embed", abstract: "(not yet available)")
    func run() throws { throw ValidationError("`crowdclip embed` is not available yet") }
}
