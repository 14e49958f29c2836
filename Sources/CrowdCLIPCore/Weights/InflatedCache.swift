import Foundation

/// Entries already inflated by one archive, so tensors sharing a storage inflate it once.
final class InflatedCache {
    private var entries: [String: InflatedEntry] = [:]
    func get(_ name: String) -> InflatedEntry? { entries[name] }
    func put(_ name: String, _ e: InflatedEntry) { entries[name] = e }
}
