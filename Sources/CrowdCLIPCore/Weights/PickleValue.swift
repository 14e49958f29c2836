import Foundation

/// What the restricted unpickler can build: plain values, containers, tensors, and inert objects.
indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue])
    case list(PickleList)
    case dict(PickleDict)
    /// A class or function named by a GLOBAL opcode and allowed as an inert placeholder or a known builder.
    case global(String)
    /// An instance of a placeholder class: it records its arguments and BUILD state, and runs nothing.
    case object(PickleObject)
    /// A storage reference from a persistent id: (dtype, archive key, element count).
    case storage(StorageRef)
    case tensor(TensorRef)
    /// The pickle MARK sentinel (internal to the machine).
    case mark

    var string: String? { if case let .string(s) = self { return s }; return nil }
    var int: Int? {
        switch self {
        case let .int(i): return i
        case let .bool(b): return b ? 1 : 0
        default: return nil
        }
    }
    var tupleItems: [PickleValue]? {
        switch self {
        case let .tuple(t): return t
        case let .list(l): return l.items
        default: return nil
        }
    }
}

final class PickleList { var items: [PickleValue] = []; init(_ items: [PickleValue] = []) { self.items = items } }

/// Insertion-ordered dictionary with keys kept as values (string keys in practice).
final class PickleDict {
    var keys: [PickleValue] = []
    var values: [PickleValue] = []
    func set(_ k: PickleValue, _ v: PickleValue) {
        if let s = k.string, let i = keys.firstIndex(where: { $0.string == s }) { values[i] = v; return }
        keys.append(k); values.append(v)
    }
    func get(_ key: String) -> PickleValue? {
        keys.firstIndex(where: { $0.string == key }).map { values[$0] }
    }
}

final class PickleObject {
    let className: String
    var args: [PickleValue]
    var state: PickleValue = .none
    init(className: String, args: [PickleValue]) { self.className = className; self.args = args }
}

struct StorageRef { let dtype: DType; let key: String; let count: Int }

struct TensorRef {
    let storage: StorageRef
    let offset: Int
    let shape: [Int]
    let stride: [Int]
}
