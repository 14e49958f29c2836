import CrowdCLIPCore
import Foundation

/// Full-size ViT-B/16 CLIP weights under OpenAI names, for when no Python is available to write the open_clip
/// ones: the seeded generator of the parity test (CLIP-like scales; deterministic).
enum RandomCLIPWeights {
    static func write(to path: String) throws {
        let tensors = SeededCLIPWeights.vitB16(seed: 90).tensors()
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try SafetensorsWriter.write(tensors, metadata: ["written-by": "crowdclip-bench (seeded, seed 90)"], to: path)
    }
}
