import ArgumentParser
import CrowdCLIPCore

// Placeholder until its owner lands it.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "(not yet available)")
    func run() throws { throw ValidationError("`crowdclip info` is not available yet") }
}
