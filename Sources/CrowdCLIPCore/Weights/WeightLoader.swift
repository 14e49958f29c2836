import Foundation

/// Opens any supported weights file or folder and returns its tensors under canonical OpenAI names.
public enum WeightLoader {
    /// Detects the format by content, not extension: a folder is read as a Hugging Face CLIP folder, a zip as a
    /// PyTorch checkpoint (restricted unpickling, nothing executed), a file whose ninth byte is `{` as safetensors.
    /// Tensors are renamed to canonical OpenAI names and float32; aligned float32 data is memory-mapped, not copied.
    /// - Throws: `WeightError` (`cannotOpen`, `unknownFormat`, `corrupt`, `unsupported`, …) naming `path`.
    public static func load(path: String) throws -> WeightStore {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw WeightError.cannotOpen(file: path, reason: "no such file or folder")
        }
        if isDir.boolValue { return try HuggingFaceFolder.load(path: path) }
        let file = try MappedFile(path: path)
        let head = try file.bytes(0, min(file.size, 16), what: "file header")
        if head.count >= 4, head[0] == 0x50, head[1] == 0x4B, head[2] == 0x03, head[3] == 0x04 {
            return try TorchCheckpoint.load(file: file)
        }
        if head.count >= 9, head[8] == UInt8(ascii: "{") {
            let (tensors, _) = try SafetensorsReader.read(path: path)
            return WeightStore(tensors: CanonicalNames.normalize(tensors, file: path), source: path)
        }
        if head.count >= 2, head[0] == 0x80 {
            throw WeightError.unsupported(file: path, reason: "a legacy (pre-1.6, non-zip) torch.save file; re-save it with a current PyTorch")
        }
        throw WeightError.unknownFormat(file: path)
    }
}
