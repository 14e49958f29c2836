import Foundation

/// Why a weights file could not be used. Every case names the file.
public enum WeightError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(file: String, reason: String)
    case unknownFormat(file: String)
    case corrupt(file: String, reason: String)
    case unsupported(file: String, reason: String)
    case placeholderInsteadOfTensor(file: String, key: String, placeholder: Placeholder)
    case missingKey(file: String, key: String)
    case shapeMismatch(file: String, key: String, expected: [Int], found: [Int])

    /// An object the pickle names (a class or function this reader never imports or calls) and where it sits,
    /// e.g. `state_dict → module.image_encoder.conv1.weight`.
    public struct Placeholder: Equatable, Sendable {
        public let global: String
        public let keyPath: String
    }

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
        }
    }
}
