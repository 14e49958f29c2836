import Foundation

/// Why a weights file could not be used. Every case names the file.
public enum WeightError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(file: String, reason: String)
    case unknownFormat(file: String)
    case corrupt(file: String, reason: String)
    case unsupported(file: String, reason: String)
    case forbiddenGlobal(file: String, name: String)
    case missingKey(file: String, key: String)
    case shapeMismatch(file: String, key: String, expected: [Int], found: [Int])

    public var description: String {
        switch self {
        case let .cannotOpen(file, reason): return "\(file): cannot open weights: \(reason)"
        case let .unknownFormat(file):
            return "\(file): not a supported weights file (expected .safetensors, a Hugging Face CLIP folder, "
                + "or a PyTorch zip checkpoint: torch.save, Lightning .ckpt, TorchScript .pt)"
        case let .corrupt(file, reason): return "\(file): corrupt weights file: \(reason)"
        case let .unsupported(file, reason): return "\(file): unsupported: \(reason)"
        case let .forbiddenGlobal(file, name):
            return "\(file): refused: the pickle asks for `\(name)`, which is not a tensor or plain container "
                + "(nothing from the file is executed)"
        case let .missingKey(file, key): return "\(file): missing weight `\(key)`"
        case let .shapeMismatch(file, key, expected, found):
            return "\(file): weight `\(key)` has shape \(found), expected \(expected)"
        }
    }
}
