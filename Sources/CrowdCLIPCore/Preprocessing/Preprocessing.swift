import Foundation

/// The two reference pipelines from image to normalised tensor `[3, 224, 224]`.
///
/// - `crowdclip`: torchvision `Resize((256, 256))` (Pillow bilinear) → `CenterCrop(224)` → `ToTensor` →
///   ImageNet `Normalize`. CrowdCLIP uses it for every patch.
/// - `clip`: `Resize(224)` on the shorter side (Pillow bicubic) → `CenterCrop(224)` → CLIP's `Normalize`.
public enum Preprocessing: String, Sendable, CaseIterable {
    case crowdclip, clip

    public static let imagenetMean: [Float] = [0.485, 0.456, 0.406]
    public static let imagenetStd: [Float] = [0.229, 0.224, 0.225]
    public static let clipMean: [Float] = [0.48145466, 0.4578275, 0.40821073]
    public static let clipStd: [Float] = [0.26862954, 0.26130258, 0.27577711]
    public static let outputSize = 224

    /// The 8-bit image just before `ToTensor` (resized and centre-cropped).
    public func prepared(_ image: RGBImage) -> RGBImage {
        let s = Self.outputSize
        switch self {
        case .crowdclip:
            return Self.centerCrop(image.resized(width: 256, height: 256, filter: .bilinear), size: s)
        case .clip:
            let (w, h) = Self.shorterSideSize(width: image.width, height: image.height, target: s)
            return Self.centerCrop(image.resized(width: w, height: h, filter: .bicubic), size: s)
        }
    }

    public func tensor(from image: RGBImage) -> Tensor {
        let (mean, std) = self == .crowdclip ? (Self.imagenetMean, Self.imagenetStd) : (Self.clipMean, Self.clipStd)
        return Self.normalizedTensor(prepared(image), mean: mean, std: std)
    }

    /// `[N, 3, 224, 224]`, contiguous, ready for the image encoder.
    public func batch(_ images: [RGBImage]) -> Tensor {
        let s = Self.outputSize
        let out = Tensor(zeros: [images.count, 3, s, s])
        for (i, image) in images.enumerated() {
            let t = tensor(from: image)
            (out.pointer + i * 3 * s * s).update(from: t.pointer, count: 3 * s * s)
        }
        return out
    }

    /// torchvision's `Resize(int)`: the shorter side becomes `target`, the longer one
    /// `int(target · long / short)`.
    public static func shorterSideSize(width: Int, height: Int, target: Int) -> (Int, Int) {
        if width <= height { return (target, Int(Double(target) * Double(height) / Double(width))) }
        return (Int(Double(target) * Double(width) / Double(height)), target)
    }

    /// torchvision's `CenterCrop`: offsets `int(round((in − size) / 2))` (padding with black when smaller).
    public static func centerCrop(_ image: RGBImage, size: Int) -> RGBImage {
        let left = Int(((Double(image.width) - Double(size)) / 2).rounded(.toNearestOrEven))
        let top = Int(((Double(image.height) - Double(size)) / 2).rounded(.toNearestOrEven))
        return image.cropped(to: PixelBox(left: left, top: top, right: left + size, bottom: top + size))
    }

    /// `ToTensor` then `Normalize`: CHW floats, `(v / 255 − mean) / std`, computed in float32 as torchvision does.
    public static func normalizedTensor(_ image: RGBImage, mean: [Float], std: [Float]) -> Tensor {
        let w = image.width, h = image.height, plane = w * h
        let out = Tensor(zeros: [3, h, w])
        let p = out.pointer
        image.pixels.withUnsafeBufferPointer { src in
            for c in 0..<3 {
                let m = mean[c], s = std[c]
                let dst = p + c * plane
                for i in 0..<plane { dst[i] = (Float(src[i * 3 + c]) / 255 - m) / s }
            }
        }
        return out
    }
}
