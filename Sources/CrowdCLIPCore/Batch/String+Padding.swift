import Foundation

extension String {
    /// `self` right-aligned in `width` columns (the table's count column); longer strings are left whole.
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
