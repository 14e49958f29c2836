import Foundation

/// Why a training run could not start, could not resume or trained nothing. `crowdclip train` exits with the
/// status each case documents (README "Exit status").
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// No optimiser step happened in `steps` steps: `unreadable` of the `images` training images could not be
    /// read (exit status 5).
    case noOptimizerStep(steps: Int, images: Int, unreadable: Int)
    /// The source (a folder, list or dataset split) has no training images (5).
    case noImages(source: String)
    /// The output folder holds files of an earlier run (listed); use `resume` or `force` (4).
    case earlierRun(directory: String, files: [String])
    /// A file or folder of the output could not be created or written (4).
    case cannotWrite(file: String, reason: String)
    /// `resume` was asked, but the output folder holds no run to continue (no `state.json`) (4).
    case nothingToResume(directory: String)
    /// The run to resume cannot be read: its `state.json` is damaged (4).
    case damagedRun(file: String, reason: String)
    /// The weights can be counted with but not trained here (GELU, mixed MLP widths, another input size) (3).
    case unsupportedWeights(file: String, reason: String)
    /// The settings cannot work; `reason` says what to change (2).
    case invalidConfiguration(reason: String)

    /// A one-line message that says what to do where there is a remedy (`--resume`, `--force`).
    public var description: String {
        switch self {
        case let .noOptimizerStep(steps, images, unreadable):
            return "no optimizer step was taken in \(steps) step(s): \(unreadable) of \(images) training image(s) could not be read "
                + "(see the messages above), so nothing was trained and no checkpoint was written"
        case let .noImages(source): return "no training images in \(source), so nothing can be trained"
        case let .nothingToResume(dir): return "\(dir): nothing to resume (no state.json): start the run without --resume"
        case let .damagedRun(file, reason): return "\(file): cannot resume: \(reason)"
        case let .unsupportedWeights(file, reason): return "\(file): cannot train these weights: \(reason)"
        case let .invalidConfiguration(reason): return "invalid training configuration: \(reason)"
        case let .earlierRun(dir, files):
            return "\(dir) holds an earlier run (\(files.prefix(4).joined(separator: ", "))\(files.count > 4 ? ", …" : "")): "
                + "continue it with --resume, or start over with --force (which removes those files)"
        case let .cannotWrite(file, reason): return "\(file): cannot write: \(reason)"
        }
    }
}
