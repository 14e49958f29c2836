import ArgumentParser
import CrowdCLIPCore

// Placeholder until its owner lands it.
struct CountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "count", abstract: "(not yet available)")
    func run() throws { throw ValidationError("`crowdclip count` is not available yet") }
}
