import ArgumentParser
import CrowdCLIPCore
import Foundation

/// `--shard I/N` / `--shard auto` / `--shards N` for `count` and `eval`: this process takes one shard of the batch.
struct ShardOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Take only shard I of N (I counted from 0), or `auto`: from a Slurm job array or a Kubernetes Indexed Job.",
        discussion: "An image's shard is a stable hash of its path relative to the argument it was found under (see "
            + "Docs/scaling.md). `auto` reads SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_COUNT (or SLURM_ARRAY_TASK_MIN "
            + "and _MAX), or JOB_COMPLETION_INDEX with --shards N. Join the shard outputs with `crowdclip merge`.",
        valueName: "I/N|auto"))
    var shard: String?

    @Option(help: ArgumentHelp("The number of shards, for --shard auto in a Kubernetes Indexed Job (its completions).", valueName: "N"))
    var shards: Int?

    func validate() throws {
        if shards != nil && shard == nil { throw ValidationError("--shards goes with --shard auto") }
        _ = try spec()
    }

    /// nil when the whole batch is this process's.
    func spec() throws -> ShardSpec? {
        guard let shard else { return nil }
        do { return try ShardSpec.parse(shard, shards: shards) } catch let error as ShardError {
            throw ValidationError(error.description)
        }
    }

    /// This shard's part of the expanded inputs. Every unreadable input stays in `problems`: each shard reports it
    /// and exits 1, so no task silently counts nothing; `ownsRecord(of:)` says which one writes its error record.
    func select(_ expansion: ImageInputs.Expansion, arguments: [String]) throws -> ImageInputs.Expansion {
        guard let spec = try spec() else { return expansion }
        let keyer = ShardKey.Keyer(arguments: arguments)
        var selected = expansion
        selected.images = PathList()
        for image in expansion.images where spec.contains(key: keyer.key(image)) { selected.images.append(image) }
        return selected
    }

    /// Whether this shard writes the error record of an input that cannot be read, so that a merge holds it once.
    func ownsRecord(of input: String, arguments: [String]) throws -> Bool {
        guard let spec = try spec() else { return true }
        return spec.contains(key: ShardKey.Keyer(arguments: arguments).key(input))
    }

    /// This shard's samples of a dataset, keyed by their path relative to the dataset's root.
    func samples(_ samples: [DatasetSample], root: String) throws -> [DatasetSample] {
        guard let spec = try spec() else { return samples }
        return spec.select(samples) { ShardKey.key(image: $0.imagePath, argument: root) }
    }
}
