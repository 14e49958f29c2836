import ArgumentParser
import CrowdCLIPCore

// Placeholder until its owner lands it.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokenize", abstract: "(not yet available)")
    func run() throws { throw ValidationError("`crowdclip tokenize` is not available yet") }
}
