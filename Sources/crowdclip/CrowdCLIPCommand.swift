import ArgumentParser
import CrowdCLIPCore
import Foundation

/// The `crowdclip` command line: argument parsing and printing only; the work is in CrowdCLIPCore.
@main
struct CrowdCLIPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crowdclip",
        abstract: "Unsupervised crowd counting with CLIP (CrowdCLIP, CVPR 2023), native on the CPU.",
        discussion: ExitStatus.table,
        subcommands: [
            CountCommand.self, EvalCommand.self, MergeCommand.self, TrainCommand.self,
            EmbedCommand.self, SimilarityCommand.self, TokenizeCommand.self, InfoCommand.self,
        ]
    )

    /// Usage errors exit 2 with the usage; errors about files, weights and data exit with their own status
    /// (ExitStatus) and a message naming the file, without usage text.
    static func main() {
        var command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            finishParsing(error)
        }
        do {
            try command.run()
        } catch let code as ExitCode {
            Foundation.exit(code.rawValue)
        } catch let e as ValidationError {
            // An option found wrong only once the command ran (a malformed list, say): the subcommand's usage.
            FileHandle.standardError.write(Data("Error: \(e.message)\nUsage: \(usageString(for: type(of: command)))\n".utf8))
            Foundation.exit(ExitStatus.usage.rawValue)
        } catch {
            if let status = ExitStatus.forDomainError(error) {
                printError(ErrorMessage.text(for: error))
                Foundation.exit(status.rawValue)
            }
            finishParsing(error)  // --help inside a subcommand, and anything the parser knows
        }
        Foundation.exit(0)
    }

    private static func finishParsing(_ error: Error) -> Never {
        let code = exitCode(for: error)
        guard code == .validationFailure else { exit(withError: error) }  // --help (0), an unexpected error (1)
        FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
        Foundation.exit(ExitStatus.usage.rawValue)
    }
}
