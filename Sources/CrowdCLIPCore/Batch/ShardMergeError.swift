/// Why shard outputs cannot be merged at all (problems with single lines or images are reported, not thrown).
public enum ShardMergeError: Error, Equatable, CustomStringConvertible {
    case cannotRead(file: String, reason: String)
    case table(file: String)
    case unknownFormat(file: String, firstLine: String)
    case mixed(first: String, firstKind: String, other: String, otherKind: String)
    case outputIsShard(String)

    public var description: String {
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
