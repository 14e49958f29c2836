import Foundation

/// The two image pipelines of the Python reference, as named pipelines producing the same
/// float32 tensors (resampling is Pillow's, pixel for pixel; normalisation is float32).
///
/// - `crowdclip`: `Resize((256, 256))` bilinear → `CenterCrop(224)` → `ToTensor` →
///   `Normalize(imagenetMean, imagenetStd)` (CrowdCLIP's test transform).
/// - `clip`: `Resize(224)` bicubic on the shorter side → `CenterCrop(224)` → `ToTensor` →
///   `Normalize(clipMean, clipStd)` (OpenAI CLIP / open_clip's preprocess).
public enum Preprocessing: String, CaseIterable, Sendable {
    /// CrowdCLIP's test transform: bilinear 256×256, centre crop 224, ImageNet normalisation.
    case crowdclip
    /// OpenAI CLIP's transform: bicubic shorter side 224, centre crop 224, CLIP normalisation.
    case clip

    /// ImageNet channel means (R, G, B) used by `crowdclip`.
    static let imagenetMean: [Float] = [0.485, 0.456, 0.406]
    /// ImageNet channel standard deviations used by `crowdclip`.
    static let imagenetStd: [Float] = [0.229, 0.224, 0.225]
    /// OpenAI CLIP's channel means used by `clip`.
    static let clipMean: [Float] = [0.48145466, 0.4578275, 0.40821073]
    /// OpenAI CLIP's channel standard deviations used by `clip`.
    static let clipStd: [Float] = [0.26862954, 0.26130258, 0.27577711]

    /// Side of the square network input.
    static let outputSize = 224

    /// This pipeline's channel means.
    package var mean: [Float] { self == .crowdclip ? Preprocessing.imagenetMean : Preprocessing.clipMean }
    /// This pipeline's channel standard deviations.
    package var std: [Float] { self == .crowdclip ? Preprocessing.imagenetStd : Preprocessing.clipStd }

    /// The 8-bit stage: resize and centre crop to 224x224 (the image right before `ToTensor`).
    func prepared(_ image: RGBImage) -> RGBImage {
        let size = Preprocessing.outputSize
        let resized: RGBImage
        switch self {
        case .crowdclip:
            resized = image.resized(width: 256, height: 256, filter: .bilinear)
        case .clip:
            let (w, h) = Preprocessing.shorterSideSize(width: image.width, height: image.height, target: size)
            resized = image.resized(width: w, height: h, filter: .bicubic)
        }
        return Preprocessing.centerCrop(resized, width: size, height: size)
    }

    /// The network input for one image, shape [3, 224, 224].
    public func tensor(from image: RGBImage) -> Tensor {
        Preprocessing.normalizedTensor(prepared(image), mean: mean, std: std)
    }

    /// Stacked inputs, shape [N, 3, 224, 224], contiguous.
    package func batch(_ images: [RGBImage]) -> Tensor {
        batch(count: images.count) { images[$0] }
    }

    /// Stacked inputs of `count` images that `image(i)` makes on demand, shape [N, 3, 224, 224]: each is made,
    /// converted into its slot and dropped on its own thread, so a batch of crops never exists all at once.
    package func batch(count: Int, _ image: @Sendable (Int) -> RGBImage) -> Tensor {
        let size = Preprocessing.outputSize
        let plane = 3 * size * size
        let out = Tensor(zeros: [count, 3, size, size])
        // Images are independent: convert them concurrently into their slots (each iteration writes only its own
        // `plane` floats of `out`, which no one reads until concurrentPerform returns).
        nonisolated(unsafe) let base = out.pointer
        let (mean, std) = (self.mean, self.std)
        DispatchQueue.concurrentPerform(iterations: count) { i in
            let cropped = prepared(image(i))
            Preprocessing.writeNormalized(cropped, mean: mean, std: std, into: base + i * plane)
        }
        return out
    }

    /// torchvision's `Resize(size)` rule for an int size: the shorter side becomes `size`, the
    /// longer `int(size * long / short)` (truncated). Returns (width, height). An empty image
    /// maps to a square (torchvision raises there).
    static func shorterSideSize(width: Int, height: Int, target: Int) -> (width: Int, height: Int) {
        let (short, long) = width <= height ? (width, height) : (height, width)
        // torchvision divides by zero on an empty image; a square target keeps the pipeline total.
        if short <= 0 { return (target, target) }
        let newLong = Int(Double(target * long) / Double(short))
        return width <= height ? (target, newLong) : (newLong, target)
    }

    /// torchvision's `CenterCrop` box: offsets `int(round((W - w) / 2))` with Python's
    /// round-half-to-even; a crop larger than the image is zero-padded as torchvision pads.
    static func centerCropBox(imageWidth: Int, imageHeight: Int, width: Int, height: Int) -> PixelBox {
        func offset(_ outer: Int, _ inner: Int) -> Int {
            if inner > outer { return -((inner - outer) / 2) } // torchvision pads left/top by (d // 2)
            return Int((Double(outer - inner) / 2.0).rounded(.toNearestOrEven))
        }
        let left = offset(imageWidth, width), top = offset(imageHeight, height)
        return PixelBox(left: left, top: top, right: left + width, bottom: top + height)
    }

    /// torchvision's `CenterCrop(size)` on a PIL image.
    static func centerCrop(_ image: RGBImage, size: Int) -> RGBImage {
        centerCrop(image, width: size, height: size)
    }

    /// torchvision's `CenterCrop((height, width))` on a PIL image.
    static func centerCrop(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
        if image.width == width && image.height == height { return image }
        return image.cropped(to: centerCropBox(imageWidth: image.width, imageHeight: image.height,
                                               width: width, height: height))
    }
}
