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
