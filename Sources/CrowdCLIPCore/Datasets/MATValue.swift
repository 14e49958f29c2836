import Foundation

/// A value read from a MATLAB Level-5 MAT-file. Arrays keep MATLAB's shape; elements are in column-major order.
package indirect enum MATValue: Sendable, Equatable {
    /// Any numeric or logical class, converted to Double (the real part of complex data).
    case numeric(shape: [Int], values: [Double])
    /// A char array as one string (all characters in column-major order; multi-row arrays are not split).
    case char(String)
    /// A cell array: one value per cell, column-major.
    case cell(shape: [Int], items: [MATValue])
    /// A struct array: one dictionary of fields per element.
    case structure(shape: [Int], elements: [[String: MATValue]])

    /// MATLAB's dimensions; a `char` reports `[1, character count]`.
    package var shape: [Int] {
        switch self {
        case let .numeric(s, _), let .cell(s, _), let .structure(s, _): return s
        case let .char(text): return [1, text.count]
        }
    }

    /// The numeric values, if this is a numeric array.
    var numbers: [Double]? { if case let .numeric(_, v) = self { return v }; return nil }

    /// Cell item or struct element `i` (0-based, column-major) as a value.
    package subscript(index i: Int) -> MATValue? {
        switch self {
        case let .cell(_, items): return i < items.count ? items[i] : nil
        case let .structure(_, elements): return i < elements.count ? .structure(shape: [1, 1], elements: [elements[i]]) : nil
        default: return i == 0 ? self : nil
        }
    }

    /// Field `name` of the first struct element.
    package subscript(field name: String) -> MATValue? {
        if case let .structure(_, elements) = self { return elements.first?[name] }
        return nil
    }

    /// The first array found under a field called `name`, searching cells and structs depth-first
    /// (ShanghaiTech nests its points as `image_info{1}{1}.location`).
    func find(field name: String) -> MATValue? {
        switch self {
        case let .structure(_, elements):
            for e in elements {
                if let v = e[name] { return v }
                for v in e.values { if let found = v.find(field: name) { return found } }
            }
            return nil
        case let .cell(_, items):
            for item in items { if let found = item.find(field: name) { return found } }
            return nil
        default: return nil
        }
    }
}
