import Foundation

/// A placeholder: what calling `className` with `args` (and then BUILD with `state`) would have made in Python.
final class PickleObject {
    let className: String
    var args: [PickleValue]
    var state: PickleValue = .none
    init(className: String, args: [PickleValue]) { self.className = className; self.args = args }
}
