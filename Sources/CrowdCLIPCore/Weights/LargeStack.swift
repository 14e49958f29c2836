import Foundation

/// Runs work on a thread with a 2 GiB stack (reserved address space; only touched pages use memory).
enum LargeStack {
    // Unchecked: the caller blocks on `done` while the thread runs, so the body and its result are never used
    // by two threads at once (the semaphore orders the thread's write before the caller's read).
    private final class Box<T>: @unchecked Sendable {
        let body: () throws -> T
        var result: Result<T, Error>?
        init(_ body: @escaping () throws -> T) { self.body = body }
    }

    static func run<T>(_ body: @escaping () throws -> T) throws -> T {
        let box = Box<T>(body)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            box.result = Result { try box.body() }
            done.signal()
        }
        thread.stackSize = 2 << 30
        thread.start()
        done.wait()
        return try box.result!.get()
    }
}
