import Foundation

/// What the restricted unpickler can build: plain values, containers, tensors, and inert placeholders.
///
/// Containers are classes registered in a `PickleArena`, so a pickle that nests or refers to itself can be
/// released without recursion and without leaking cycles (see `PickleArena.release`).
enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple(PickleList)
    case list(PickleList)
    case dict(PickleDict)
    /// A class or function named by a GLOBAL opcode. It is never imported or called: a known builder is
    /// interpreted by the unpickler, anything else only gives placeholders (`PickleObject`).
    case global(String)
    /// What a REDUCE/NEWOBJ on a global gave: an inert record of the callable's name, arguments and BUILD state.
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
        case let .tuple(t), let .list(t): return t.items
        default: return nil
        }
    }
}

final class PickleList { var items: [PickleValue]; init(_ items: [PickleValue] = []) { self.items = items } }

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

/// A placeholder: what calling `className` with `args` (and then BUILD with `state`) would have made in Python.
final class PickleObject {
    let className: String
    var args: [PickleValue]
    var state: PickleValue = .none
    init(className: String, args: [PickleValue]) { self.className = className; self.args = args }
}

struct StorageRef { let dtype: WeightDType; let key: String; let count: Int }

struct TensorRef {
    let storage: StorageRef
    let offset: Int
    let shape: [Int]
    let stride: [Int]
}

/// Owns every container one unpickling creates. `release()` empties them one by one, which breaks reference
/// cycles (a list holding itself) and frees deeply nested values without deep recursion.
final class PickleArena {
    private var lists: [PickleList] = []
    private var dicts: [PickleDict] = []
    private var objects: [PickleObject] = []

    func list(_ items: [PickleValue] = []) -> PickleList { let l = PickleList(items); lists.append(l); return l }
    func dict() -> PickleDict { let d = PickleDict(); dicts.append(d); return d }
    func object(_ name: String, _ args: [PickleValue]) -> PickleObject {
        let o = PickleObject(className: name, args: args); objects.append(o); return o
    }

    func release() {
        for l in lists { l.items = [] }
        for d in dicts { d.removeAll() }
        for o in objects { o.args = []; o.state = .none }
        lists = []; dicts = []; objects = []
    }

    deinit { release() }
}
