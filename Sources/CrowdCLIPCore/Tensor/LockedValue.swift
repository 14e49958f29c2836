import Foundation

/// A value read and written from any thread behind a lock: the encoders' kernel switches, which tests and the
/// benchmark flip between runs and each forward pass reads a few times (the lock costs nothing measurable there).
/// Unchecked Sendable: `current` is only read or written while `lock` is held.
final class LockedValue<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Value

    init(_ value: Value) { current = value }

    var value: Value {
        get { lock.lock(); defer { lock.unlock() }; return current }
        set { lock.lock(); defer { lock.unlock() }; current = newValue }
    }
}
