import ArgumentParser
import CrowdCLIPCore

// Placeholder until its owner lands it.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "eval", abstract: "(not yet available)")
    func run() throws { throw ValidationError("`crowdclip eval` is not available yet") }
}
