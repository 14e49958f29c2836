import Foundation

extension RGBImage {
    /// Pillow's `Image.resize((width, height), filter)` (without `reducing_gap`), pixel for pixel.
    /// A zero or negative target size gives an empty image (Pillow raises); an empty source gives black.
    func resized(width newWidth: Int, height newHeight: Int, filter: ResampleFilter) -> RGBImage {
        resized(width: newWidth, height: newHeight, filter: filter,
                box: (0, 0, Float(width), Float(height)))
    }

    /// Pillow's `Image.resize(size, filter, box=...)`: resamples the region `box`
    /// (left, top, right, bottom in float pixel coordinates, as Pillow's C code takes it).
    func resized(width newWidth: Int, height newHeight: Int, filter: ResampleFilter,
                        box: (Float, Float, Float, Float)) -> RGBImage {
        // Pillow raises for an empty target; returning an empty image keeps bad sizes from trapping.
        if newWidth <= 0 || newHeight <= 0 { return RGBImage(width: max(0, newWidth), height: max(0, newHeight)) }
        // An empty source resamples to black, as in Pillow (no taps, so every sum is 0).
        if newWidth == width && newHeight == height
            && box == (0, 0, Float(width), Float(height)) {
            return self
        }
        // Pillow's _resize: an integer box of exactly the output size is a plain crop.
        if box.0 == box.0.rounded(.towardZero) && box.1 == box.1.rounded(.towardZero)
            && box.2 - box.0 == Float(newWidth) && box.3 - box.1 == Float(newHeight) {
            return cropped(to: PixelBox(left: Int(box.0), top: Int(box.1), right: Int(box.2), bottom: Int(box.3)))
        }
        return PillowResampler.resample(self, width: newWidth, height: newHeight, filter: filter, box: box)
    }
}
