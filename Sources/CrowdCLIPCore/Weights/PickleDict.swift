import Foundation

/// Insertion-ordered dictionary. String and integer keys are indexed, so inserting n keys costs O(n), not O(n²).
final class PickleDict {
    private enum Key: Hashable { case string(String), int(Int) }
    private(set) var keys: [PickleValue] = []
    private(set) var values: [PickleValue] = []
    private var index: [Key: Int] = [:]

    private static func key(_ v: PickleValue) -> Key? {
        switch v {
        case let .string(s): return .string(s)
        case let .int(i): return .int(i)
        default: return nil
        }
    }

    func set(_ k: PickleValue, _ v: PickleValue) {
        if let key = Self.key(k) {
            if let i = index[key] { values[i] = v; return }
            index[key] = keys.count
        }
        keys.append(k); values.append(v)
    }

    func get(_ key: String) -> PickleValue? { index[.string(key)].map { values[$0] } }

    func removeAll() { keys = []; values = []; index = [:] }
}
