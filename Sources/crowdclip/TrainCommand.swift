import ArgumentParser
import CrowdCLIPCore

// Placeholder until its owner lands it.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train", abstract: "(not yet available)")
    func run() throws { throw ValidationError("`crowdclip train` is not available yet") }
}
