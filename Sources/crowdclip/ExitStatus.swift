import ArgumentParser
import CrowdCLIPCore
import Foundation

/// The exit statuses every subcommand follows (README "Exit status", and `crowdclip --help`).
enum ExitStatus: Int32, CaseIterable {
    case success = 0
    case someInputsFailed = 1
    case usage = 2
    case weights = 3
    case output = 4
    case nothingDone = 5

    var meaning: String {
        switch self {
        case .success: return "everything asked was done (every image counted)"
        case .someInputsFailed: return "some inputs failed (each has an error record; the others are done), or an unexpected error"
        case .usage: return "invalid option or argument (the usage is printed)"
        case .weights: return "the weights or the vocabulary are missing, unreadable or not supported"
        case .output: return "an output cannot be written (message names the file and the system's reason), would overwrite an input, or holds another format or an earlier run"
        case .nothingDone: return "nothing could be done: no usable input (count or embed image: not one input could be read, as with a missing or empty folder or only bad files; train took no optimizer step), or a dataset folder in another layout"
        }
    }

    static var table: String {
        "Exit status:\n" + allCases.map { "  \($0.rawValue)  \($0.meaning)" }.joined(separator: "\n")
            + "\n  128+N  killed by signal N (130: interrupted with Ctrl-C)"
    }

    /// A batch's status: 0 when nothing failed, 5 when something failed and nothing was done (no result a script
    /// could use), else 1. `done` counts results this run wrote or found already written (`--resume`).
    static func forBatch(done: Int, failed: Int) -> ExitStatus {
        failed == 0 ? .success : done == 0 ? .nothingDone : .someInputsFailed
    }

    /// The status for a CrowdCLIPCore error that reached the top level; nil for the parser's own errors.
    static func forDomainError(_ error: Error) -> ExitStatus? {
        switch error {
        case is OutputFileError: return .output
        case let e as TrainingError: return e.isOutputProblem ? .output : .nothingDone
        case is DatasetError: return .nothingDone
        case is WeightError, is TokenizerError, is EncoderError: return .weights
        case let e as CountingError:
            if case .noWeights = e { return .weights }
            return .usage
        case is PrecisionUnavailable: return .usage
        case let e as ImageError:
            if case .cannotWrite = e { return .output }
            return .someInputsFailed
        case is MATFile.FormatError: return .nothingDone
        default: return nil
        }
    }
}
