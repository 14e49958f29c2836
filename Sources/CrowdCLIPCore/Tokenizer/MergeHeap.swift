import Foundation

/// A binary min-heap of merge candidates ordered by (rank, position).
struct MergeHeap {
    struct Candidate { let rank: Int32; let position: Int; let left: Int32; let right: Int32; let merged: Int32 }
    private var items: [Candidate] = []

    private static func less(_ a: Candidate, _ b: Candidate) -> Bool {
        a.rank != b.rank ? a.rank < b.rank : a.position < b.position
    }

    mutating func push(_ c: Candidate) {
        items.append(c)
        var k = items.count - 1
        while k > 0 {
            let parent = (k - 1) / 2
            guard Self.less(items[k], items[parent]) else { break }
            items.swapAt(k, parent); k = parent
        }
    }

    mutating func pop() -> Candidate? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var k = 0
            while true {
                let l = 2 * k + 1, r = l + 1
                var m = k
                if l < items.count && Self.less(items[l], items[m]) { m = l }
                if r < items.count && Self.less(items[r], items[m]) { m = r }
                if m == k { break }
                items.swapAt(k, m); k = m
            }
        }
        return top
    }
}
