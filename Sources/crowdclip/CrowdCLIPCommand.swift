import ArgumentParser
import CrowdCLIPCore

/// The `crowdclip` command line: argument parsing and printing only; the work is in CrowdCLIPCore.
@main
struct CrowdCLIPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crowdclip",
        abstract: "Unsupervised crowd counting with CLIP (CrowdCLIP, CVPR 2023), native on the CPU.",
        subcommands: [
            CountCommand.self, EvalCommand.self, MergeCommand.self, TrainCommand.self,
            EmbedCommand.self, SimilarityCommand.self, TokenizeCommand.self, InfoCommand.self,
        ]
    )
}
