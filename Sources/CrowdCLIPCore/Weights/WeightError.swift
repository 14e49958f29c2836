import Foundation

/// Why weights could not be used. Every case names the file, except `notFound`, which lists where it looked.
public enum WeightError: Error, CustomStringConvertible, Equatable {
    /// The file or folder could not be opened or mapped (missing, unreadable, a directory, `mmap` failed).
    case cannotOpen(file: String, reason: String)
    /// The file is none of the recognised formats (safetensors, Hugging Face folder, PyTorch zip checkpoint).
    case unknownFormat(file: String)
    /// The file is damaged or inconsistent: bad header, out-of-range offsets, a malformed pickle, an empty file.
    case corrupt(file: String, reason: String)
    /// A well-formed file that uses something this reader does not handle (a dtype, a legacy torch.save, a layout).
    case unsupported(file: String, reason: String)
    /// The weight `key` is stored as an object the restricted unpickler does not build, so there is no tensor to load.
    case placeholderInsteadOfTensor(file: String, key: String, placeholder: Placeholder)
    /// A weight the model needs is absent under its canonical name `key`.
    case missingKey(file: String, key: String)
    /// The weight `key` exists but its shape is `found`, not `expected` (-1 in `expected` means any size).
    case shapeMismatch(file: String, key: String, expected: [Int], found: [Int])
    /// No weights were named and `DefaultWeights.locate()` found none in the places `searched`.
    case notFound(searched: [String])

    /// An object the pickle names (a class or function this reader never imports or calls) and where it sits,
    /// e.g. `state_dict → module.image_encoder.conv1.weight`.
    public struct Placeholder: Equatable, Sendable {
        /// The pickled class or function, as `module.name` (never imported or called).
        let global: String
        /// Where the placeholder sits in the checkpoint, e.g. `state_dict → module.image_encoder.conv1.weight`.
        let keyPath: String
    }

    /// A one-line message that starts with the file name.
    public var description: String {
        switch self {
        case let .cannotOpen(file, reason): return "\(file): cannot open weights: \(reason)"
        case let .unknownFormat(file):
            return "\(file): not a supported weights file (expected .safetensors, a Hugging Face CLIP folder, "
                + "or a PyTorch zip checkpoint: torch.save, Lightning .ckpt, TorchScript .pt)"
        case let .corrupt(file, reason): return "\(file): corrupt weights file: \(reason)"
        case let .unsupported(file, reason): return "\(file): unsupported: \(reason)"
        case let .placeholderInsteadOfTensor(file, key, p):
            return "\(file): weight `\(key)` is not a tensor: the pickle stores `\(p.global)` at \(p.keyPath), "
                + "which this reader does not build (nothing from the file is imported or executed)"
        case let .missingKey(file, key): return "\(file): missing weight `\(key)`"
        case let .shapeMismatch(file, key, expected, found):
            return "\(file): weight `\(key)` has shape \(found), expected \(expected)"
        case let .notFound(searched):
            return "no CLIP weights found; looked at: \(searched.joined(separator: ", ")). Name a weights file (.pt, "
                + ".safetensors, .ckpt, or a Hugging Face CLIP folder), or set CROWDCLIP_WEIGHTS to one"
        }
    }
}
