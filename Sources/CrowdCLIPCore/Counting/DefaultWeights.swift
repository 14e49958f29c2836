import Foundation

/// Finds the CLIP weights to use when none are named: `$CROWDCLIP_WEIGHTS`, else `Weights/ViT-B-16.pt` (or the
/// only other weights file there) in a `Weights/` folder above the executable or the working directory.
public enum DefaultWeights {
    public static let howToGetThem = """
        no CLIP weights found. Get OpenAI's ViT-B/16 with `make weights` (it saves Weights/ViT-B-16.pt), \
        or pass --weights PATH / set CROWDCLIP_WEIGHTS to any supported file (.pt, .safetensors, .ckpt, \
        or a Hugging Face CLIP folder).
        """

    public static func locate() throws -> String {
        let env = ProcessInfo.processInfo.environment
        if let p = env["CROWDCLIP_WEIGHTS"], !p.isEmpty { return p }
        let starts = [URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent(),
                      URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
        for start in starts {
            if let p = ResourceSearch.walkUp(from: start, relative: "Weights/ViT-B-16.pt") { return p }
        }
        for start in starts {
            guard let vocab = ResourceSearch.walkUp(from: start, relative: "Weights") else { continue }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: vocab)) ?? []
            let weights = names.filter { [".pt", ".pth", ".safetensors", ".ckpt", ".bin"].contains(where: $0.hasSuffix) }.sorted()
            if let first = weights.first { return (vocab as NSString).appendingPathComponent(first) }
        }
        throw CountingError.noWeights(howToGetThem)
    }
}
