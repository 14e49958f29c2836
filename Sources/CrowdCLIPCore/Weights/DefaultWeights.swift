import Foundation

/// Finds the CLIP weights to use when none are named: `$CROWDCLIP_WEIGHTS`, else, in a `Weights/` folder above
/// the executable or the working directory, what `make weights` saves (`ViT-B-16.pt`, the Hugging Face folder
/// `clip-vit-base-patch16/`, open_clip's `vit_base_patch16_clip_224.openai.safetensors`), else the first other
/// weights file there by name.
public enum DefaultWeights {
    /// What `make weights` (Tools/fetch_weights.py) may save in `Weights/`, in the order they are preferred.
    static let downloadedNames = [
        "ViT-B-16.pt", "clip-vit-base-patch16", "vit_base_patch16_clip_224.openai.safetensors",
        "vit_base_patch16_clip_224.openai.bin",
    ]

    /// The lookup `locate` does, in words, for `--weights`' help (built from `downloadedNames`, so they agree).
    package static var lookupDescription: String {
        let names = downloadedNames.map { $0.contains(".") ? $0 : $0 + "/" }
        return "$CROWDCLIP_WEIGHTS, else in a Weights/ folder above the executable or the working directory: "
            + names.joined(separator: ", ") + ", else the first other weights file there by name"
    }

    /// The weights file to use: `explicit` when given (and not empty), else `locate()`.
    package static func resolve(_ explicit: String?) throws -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        return try locate()
    }

    /// The path to load.
    /// - Throws: `WeightError.notFound` listing the places looked at when there is none.
    public static func locate() throws -> String {
        let env = ProcessInfo.processInfo.environment
        if let p = env["CROWDCLIP_WEIGHTS"], !p.isEmpty { return p }
        let starts = VocabularyLocator.executableDirectories().prefix(1)
            + [URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
        for name in downloadedNames {
            for start in starts {
                if let p = ResourceSearch.walkUp(from: start, relative: "Weights/\(name)") { return p }
            }
        }
        for start in starts {
            guard let folder = ResourceSearch.walkUp(from: start, relative: "Weights") else { continue }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            let weights = names.filter { [".pt", ".pth", ".safetensors", ".ckpt", ".bin"].contains(where: $0.hasSuffix) }.sorted()
            if let first = weights.first { return (folder as NSString).appendingPathComponent(first) }
        }
        throw WeightError.notFound(searched: ["$CROWDCLIP_WEIGHTS (not set)"]
            + starts.map { "Weights/ in \($0.path) and the folders above it" })
    }
}
