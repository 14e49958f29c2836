import Foundation

/// Turns files into normalised image batches `[N, 3, H, W]` for `CLIPModel.encodeImages`.
public enum ImageInput {
    /// A `.npy` float32 array `[3, H, W]` or `[N, 3, H, W]` is taken as is (already normalised); any other file is
    /// decoded (JPEG/PNG) and prepared with `preprocessing`.
    /// - Throws: `EncoderError.unusableArray` for a `.npy` file that cannot be used, `ImageError` for an image.
    public static func load(path: String, preprocessing: Preprocessing) throws -> Tensor {
        if path.lowercased().hasSuffix(".npy") {
            let t: Tensor
            do { t = try NPYFile.read(path: path) } catch let error as NPYFile.FormatError {
                throw EncoderError.unusableArray(file: path, reason: error.reason)
            }
            switch t.rank {
            case 3 where t.shape[0] == 3: return t.reshaped([1] + t.shape)
            case 4 where t.shape[1] == 3: return t
            default:
                throw EncoderError.unusableArray(file: path, reason: "shape \(t.shape) is neither [3, H, W] nor [N, 3, H, W]")
            }
        }
        let image = try ImageIO.decode(path: path)
        // The clip pipeline scales the shorter side to 224 before cropping: a 1×100000 strip would need a
        // 224×22,400,000 intermediate image.
        let (short, long) = (min(image.width, image.height), max(image.width, image.height))
        if preprocessing == .clip && long > 200 * max(short, 1) {
            throw ImageError.unsupported(file: path, reason: "aspect ratio \(long):\(short) is too extreme for the clip pipeline")
        }
        let t = preprocessing.tensor(from: image)
        return t.reshaped([1] + t.shape)
    }
}
