import ArgumentParser
import CrowdCLIPCore

// Placeholder until its owner lands it.
struct SimilarityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "similarity", abstract: "(not yet available)")
    func run() throws { throw ValidationError("`crowdclip similarity` is not available yet") }
}
