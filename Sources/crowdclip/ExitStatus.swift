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
        case .usage: return "invalid option or argument (the usage is printed), or options that cannot work together: weights that do not pair, shard files that cannot be merged, or --precision bf16 on a CPU without AVX512-BF16 or AMX-BF16 (the message says why, without the usage)"
        case .weights: return "the weights, the vocabulary, the OpenBLAS library or (for --precision bf16 and --engine onednn) the oneDNN library are missing, unreadable or not supported (train: also weights it cannot train, such as GELU models)"
        case .output: return "an output cannot be written (message names the file and the system's reason; train: a checkpoint too), would overwrite an input, or holds another format or an earlier run (train --resume: no run, or a damaged one: a state.json, weights or optimizer file that cannot be read)"
        case .nothingDone: return "nothing could be done: no usable input (count or embed image: not one input could be read, as with a missing or empty folder or only bad files; similarity: an .npy that cannot be read or is not one image array; train took no optimizer step), or a dataset folder in another layout, with an unreadable annotation, or without the labels validation needs"
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
    /// `ValidationError` is for arguments only: whatever is found wrong once a command runs (a file, the weights,
    /// a dataset, an output folder) is one of these errors, and its status says which.
    static func forDomainError(_ error: Error) -> ExitStatus? {
        switch error {
        case is OutputFileError: return .output
        case let e as TrainingError:
            switch e {
            case .noOptimizerStep, .noImages: return .nothingDone
            case .earlierRun, .cannotWrite, .nothingToResume, .damagedRun: return .output
            case .unsupportedWeights: return .weights
            case .invalidConfiguration: return .usage
            }
        case is DatasetError: return .nothingDone
        case is WeightError, is TokenizerError: return .weights
        case let e as EncoderError:
            switch e {
            case .missingTower, .matrixLibraryUnavailable: return .weights
            case .precisionUnavailable: return .usage  // --precision asks what this CPU cannot run
            case .badInput, .unusableArray: return .nothingDone  // the input (an .npy array, token ids) does not fit the model
            }
        case let e as CountingError:
            switch e {
            case .invalidConfiguration: return .usage
            case .imageTooSmall: return .someInputsFailed
            }
        case let e as ShardMergeError:
            if case .outputIsShard = e { return .output }
            return .usage  // shard files that cannot be merged together
        case let e as ImageError:
            if case .cannotWrite = e { return .output }
            return .someInputsFailed
        default: return nil
        }
    }
}
