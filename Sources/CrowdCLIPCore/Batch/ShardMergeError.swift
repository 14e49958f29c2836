/// Why shard outputs cannot be merged at all (problems with single lines or images are reported, not thrown).
package enum ShardMergeError: Error, Equatable, CustomStringConvertible {
    /// A shard file that is missing, a folder, or unreadable.
    case cannotRead(file: String, reason: String)
    /// A shard written with `--format table`, which cannot be merged.
    case table(file: String)
    /// A file whose first line is neither JSON (count JSON lines) nor a `count` or `eval` (`image,gt,count`)
    /// CSV header.
    case unknownFormat(file: String, firstLine: String)
    /// Two shard files of different kinds or CSV headers.
    case mixed(first: String, firstKind: String, other: String, otherKind: String)
    /// The merge's output file is one of its input shard files.
    case outputIsShard(String)

    /// The message shown to the user.
    package var description: String {
        switch self {
        case let .cannotRead(file, reason): return "\(file): \(reason)"
        case let .table(file): return "\(file): a table is for people and cannot be merged; write shards with --format jsonl or csv"
        case let .unknownFormat(file, line):
            return "\(file): not a shard output of count (JSON lines, or CSV with an image,…,count,…,error header) or eval "
                + "(image,gt,count); its first line is \"\(line)\""
        case let .mixed(a, ak, b, bk):
            return "shards differ: \(a) is \(ak) but \(b) is \(bk); merge outputs of one subcommand in one format"
        case let .outputIsShard(file): return "the output \(file) is one of the shard files; write the merge to a new file"
        }
    }
}
