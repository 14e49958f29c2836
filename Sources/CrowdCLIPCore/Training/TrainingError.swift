import Foundation

/// Why a training run could not start or trained nothing.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// No optimiser step happened in `steps` steps: `unreadable` of the `images` training images could not be read.
    case noOptimizerStep(steps: Int, images: Int, unreadable: Int)
    /// The source (a folder, list or dataset split) has no training images.
    case noImages(String)
    /// The output folder holds files of an earlier run (listed); use `resume` or `force`.
    case earlierRun(String, files: [String])
    /// A file or folder of the output could not be created or written.
    case cannotWrite(String, reason: String)

    /// The output folder is the problem (not the data).
    public var isOutputProblem: Bool {
        switch self {
        case .noOptimizerStep, .noImages: return false
        case .earlierRun, .cannotWrite: return true
        }
    }

    /// A one-line message that says what to do where there is a remedy (`--resume`, `--force`).
    public var description: String {
        switch self {
        case let .noOptimizerStep(steps, images, unreadable):
            return "no optimizer step was taken in \(steps) step(s): \(unreadable) of \(images) training image(s) could not be read "
                + "(see the messages above), so nothing was trained and no checkpoint was written"
        case let .noImages(source): return "no training images in \(source), so nothing can be trained"
        case let .earlierRun(dir, files):
            return "\(dir) holds an earlier run (\(files.prefix(4).joined(separator: ", "))\(files.count > 4 ? ", …" : "")): "
                + "continue it with --resume, or start over with --force (which removes those files)"
        case let .cannotWrite(file, reason): return "\(file): cannot write: \(reason)"
        }
    }
}
