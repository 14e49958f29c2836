/// Why a `--shard` specification cannot be used.
package enum ShardError: Error, Equatable, CustomStringConvertible {
    /// `--shard` text that is neither `I/N` nor `auto`.
    case badSpec(String)
    /// A shard count below 1.
    case badCount(Int)
    /// A shard index outside `0..<count`.
    case indexOutOfRange(index: Int, count: Int)
    /// `--shards` given with `--shard I/N` (it only goes with `auto`).
    case shardsWithoutAuto
    /// `--shard auto` found neither a Slurm array task ID nor `JOB_COMPLETION_INDEX`.
    case noEnvironment
    /// `SLURM_ARRAY_TASK_ID` is set without `SLURM_ARRAY_TASK_COUNT` or both `SLURM_ARRAY_TASK_MIN` and `_MAX`.
    case incompleteSlurm
    /// The Slurm array's task count differs from its ID span `min...max` (a stepped or listed array).
    case slurmArrayWithGaps(count: Int, min: Int, max: Int)
    /// `--shards` differs from the shard count read from the environment `variable`.
    case shardsDisagree(shards: Int, environment: Int, variable: String)
    /// `JOB_COMPLETION_INDEX` is set but `--shards N` was not given.
    case completionIndexWithoutShards
    /// The environment variable `name` holds `value`, which is not an integer.
    case badVariable(name: String, value: String)

    /// The message shown to the user, naming the fix.
    package var description: String {
        switch self {
        case let .badSpec(s): return "--shard \"\(s)\" is not I/N (for example 0/4) or auto"
        case let .badCount(n): return "the number of shards must be at least 1, not \(n)"
        case let .indexOutOfRange(i, n):
            return "shard index \(i) is outside 0…\(n - 1): shards are counted from 0 (a Slurm array --array=0-\(n - 1))"
        case .shardsWithoutAuto: return "--shards goes with --shard auto; with --shard I/N the count is N"
        case .noEnvironment:
            return "--shard auto found neither SLURM_ARRAY_TASK_ID (with SLURM_ARRAY_TASK_COUNT, or SLURM_ARRAY_TASK_MIN "
                + "and SLURM_ARRAY_TASK_MAX: a Slurm job array) nor JOB_COMPLETION_INDEX (with --shards N: a Kubernetes "
                + "Indexed Job); give --shard I/N instead"
        case .incompleteSlurm:
            return "SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MIN and "
                + "SLURM_ARRAY_TASK_MAX are: the number of shards is unknown"
        case let .slurmArrayWithGaps(n, lo, hi):
            return "the Slurm array has \(n) task(s) but IDs \(lo)…\(hi): submit a contiguous array, --array=0-\(n - 1)"
        case let .shardsDisagree(s, e, v): return "--shards \(s) disagrees with \(v)=\(e)"
        case .completionIndexWithoutShards:
            return "JOB_COMPLETION_INDEX is set: give --shards N as well (the Indexed Job's completions)"
        case let .badVariable(name, value): return "\(name)=\"\(value)\" is not an integer"
        }
    }
}
