import Foundation

/// The six nested centre crops of a training image and their augmentation.
///
/// With `w = W / 12`, `h = H / 12` (rounded down) and centre `(W / 2, H / 2)` (rounded down), crop `i` (0…5)
/// spans `centre ± ((i+1)·w, (i+1)·h)`: crop 5 is (nearly) the whole image. Each crop then goes through
/// `Resize((256, 256))` → a 224 crop (random, or centred without augmentation) → a random horizontal flip →
/// ImageNet normalisation.
enum NestedCrops {
    /// Crops per training image.
    package static let count = 6

    /// The six crop boxes of a `width × height` image, smallest first.
    static func boxes(width: Int, height: Int) -> [PixelBox] {
        let w = width / 12, h = height / 12, cx = width / 2, cy = height / 2
        return (0..<count).map { i in
            PixelBox(left: cx - (i + 1) * w, top: cy - (i + 1) * h, right: cx + (i + 1) * w, bottom: cy + (i + 1) * h)
        }
    }

    /// `[6, 3, 224, 224]`, smallest crop first.
    package static func batch<R: RandomNumberGenerator>(_ image: RGBImage, name: String = "image", augment: Bool, rng: inout R) throws -> Tensor {
        guard image.width >= 12, image.height >= 12 else {
            throw ImageError.unsupported(file: name, reason: "image is \(image.width)×\(image.height); training needs at least 12×12 pixels")
        }
        let s = Preprocessing.outputSize
        let out = Tensor(zeros: [count, 3, s, s])
        for (i, box) in boxes(width: image.width, height: image.height).enumerated() {
            let resized = image.cropped(to: box).resized(width: 256, height: 256, filter: .bilinear)
            var crop: RGBImage
            if augment {
                let x = Int.random(in: 0...(256 - s), using: &rng), y = Int.random(in: 0...(256 - s), using: &rng)
                crop = resized.cropped(to: PixelBox(left: x, top: y, right: x + s, bottom: y + s))
                if Bool.random(using: &rng) { crop = crop.flippedHorizontally() }
            } else {
                crop = Preprocessing.centerCrop(resized, size: s)
            }
            let t = Preprocessing.normalizedTensor(crop, mean: Preprocessing.imagenetMean, std: Preprocessing.imagenetStd)
            (out.pointer + i * 3 * s * s).update(from: t.pointer, count: t.count)
        }
        return out
    }
}
