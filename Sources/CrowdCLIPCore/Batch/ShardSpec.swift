import Foundation

/// One shard of a batch split N ways: shard `index` of `count`, counted from 0 as Slurm array IDs are.
///
/// An image belongs to shard `ShardKey.shard(of: key, count: count)`, where the key is its path relative to the
/// argument it was found under (`ShardKey.key(image:argument:)`). So N processes given the same inputs, each
/// with its own index, count disjoint sets of images whose union is the whole batch.
package struct ShardSpec: Sendable, Equatable, CustomStringConvertible {
    /// This shard's index, in `0..<count`.
    package let index: Int
    /// The number of shards the batch is split into (at least 1).
    package let count: Int

    /// Shard `index` of `count`.
    ///
    /// - Throws: `ShardError.badCount` when `count` < 1, `ShardError.indexOutOfRange` when `index` is outside
    ///   `0..<count`.
    package init(index: Int, count: Int) throws {
        guard count >= 1 else { throw ShardError.badCount(count) }
        guard (0..<count).contains(index) else { throw ShardError.indexOutOfRange(index: index, count: count) }
        self.index = index
        self.count = count
    }

    /// `I/N`, as written on the command line.
    package var description: String { "\(index)/\(count)" }

    /// Whether the image with this shard key belongs to this shard.
    package func contains(key: String) -> Bool { ShardKey.shard(of: key, count: count) == index }

    /// The items of this shard, in their original order.
    package func select<Item>(_ items: [Item], key: (Item) -> String) -> [Item] {
        items.filter { contains(key: key($0)) }
    }

    /// Reads `--shard` (`I/N` or `auto`) with `--shards` (only for `auto`).
    ///
    /// `auto` takes, in this order:
    /// - `SLURM_ARRAY_TASK_ID` with `SLURM_ARRAY_TASK_COUNT`, or with `SLURM_ARRAY_TASK_MIN` and
    ///   `SLURM_ARRAY_TASK_MAX` (index = ID − MIN, count = MAX − MIN + 1): a Slurm job array `--array=0-(N-1)`;
    /// - `JOB_COMPLETION_INDEX` with `shards`: a Kubernetes Indexed Job with `completions: N`.
    package static func parse(_ text: String, shards: Int? = nil,
                             environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ShardSpec {
        if text == "auto" { return try fromEnvironment(environment, shards: shards) }
        guard shards == nil else { throw ShardError.shardsWithoutAuto }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else { throw ShardError.badSpec(text) }
        return try ShardSpec(index: index, count: count)
    }

    static func fromEnvironment(_ env: [String: String], shards: Int?) throws -> ShardSpec {
        if let id = env["SLURM_ARRAY_TASK_ID"] {
            let task = try integer(env, "SLURM_ARRAY_TASK_ID", id)
            let min = try env["SLURM_ARRAY_TASK_MIN"].map { try integer(env, "SLURM_ARRAY_TASK_MIN", $0) }
            let max = try env["SLURM_ARRAY_TASK_MAX"].map { try integer(env, "SLURM_ARRAY_TASK_MAX", $0) }
            let declared = try env["SLURM_ARRAY_TASK_COUNT"].map { try integer(env, "SLURM_ARRAY_TASK_COUNT", $0) }
            let span = min.flatMap { lo in max.map { $0 - lo + 1 } }
            guard let count = declared ?? span else { throw ShardError.incompleteSlurm }
            // A stepped or listed array (--array=0-15:4, --array=1,5,9) has gaps: some shards would have no task.
            if let declared, let span, declared != span { throw ShardError.slurmArrayWithGaps(count: declared, min: min!, max: max!) }
            if let shards, shards != count { throw ShardError.shardsDisagree(shards: shards, environment: count, variable: "SLURM_ARRAY_TASK_COUNT") }
            return try ShardSpec(index: task - (min ?? 0), count: count)
        }
        if let value = env["JOB_COMPLETION_INDEX"] {
            let index = try integer(env, "JOB_COMPLETION_INDEX", value)
            guard let shards else { throw ShardError.completionIndexWithoutShards }
            return try ShardSpec(index: index, count: shards)
        }
        throw ShardError.noEnvironment
    }

    private static func integer(_ env: [String: String], _ name: String, _ value: String) throws -> Int {
        guard let n = Int(value.trimmingCharacters(in: .whitespaces)) else { throw ShardError.badVariable(name: name, value: value) }
        return n
    }
}
