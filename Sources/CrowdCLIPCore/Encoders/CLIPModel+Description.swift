import Foundation

extension CLIPModel {
    /// The inferred configuration as `(key, value)` pairs.
    package func describe() -> [(String, String)] {
        var out: [(String, String)] = [("weights", source)]
        if let v = config.vision {
            out.append(("vision", "width \(v.width), layers \(v.layers), heads \(v.heads), patch \(v.patchSize), image \(v.imageSize)"))
        }
        if let t = config.text {
            out.append(("text", "width \(t.width), layers \(t.layers), heads \(t.heads), vocabulary \(t.vocabSize), context \(t.contextLength)"))
        }
        out.append(("embed dim", "\(config.embedDim)"))
        out.append(("activation", config.activation.rawValue))
        out.append(("logit scale", "\(logitScale)"))
        return out
    }
}
