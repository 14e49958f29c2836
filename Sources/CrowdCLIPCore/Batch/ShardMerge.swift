import Foundation

/// Joins the outputs of a sharded `count` or `eval` into one, in the natural input order, and checks it against
/// the inputs when they are given.
///
/// Rules: records are the same image when their identities (`ShardOutput.Record.identity`: the canonical path)
/// agree. Within one shard file a later record replaces an earlier one (a resumed task retried a failure) and a
/// success always beats a failure. The same image in two shard files is reported as duplicated (the shards were not
/// cut with one N) and kept once, by the same rule.
package enum ShardMerge {
    /// An input the merge expects: the image as a run would find it, and its identity.
    package struct ExpectedInput: Sendable, Equatable {
        /// The image path as a run would find and write it.
        package let image: String
        /// The key that matches records to this input (normally the canonical path).
        let identity: String
        /// An expected input with an explicit identity.
        package init(image: String, identity: String) { self.image = image; self.identity = identity }

        /// `image` with its canonical path as identity (the image itself when it does not exist here).
        package init(image: String) { self.init(image: image, identity: ShardOutput.canonicalPath(image) ?? image) }
    }

    /// The merged output and what the merge found wrong with the shards.
    package struct Result: Sendable {
        /// nil when every shard file was empty.
        package var kind: ShardOutput.Kind?
        /// The merged file: the header (CSV) and then one line per image.
        package var lines: [String] = []
        /// Number of records in the merged output.
        package var records = 0
        /// Number of merged records that are failures (error records).
        package var failed = 0
        /// Expected inputs without a record (only with expected inputs).
        package var missing: [String] = []
        /// Images with records in more than one shard file, with those files.
        package var duplicated: [(image: String, files: [String])] = []
        /// Records of images that are not among the expected inputs.
        package var unexpected: [String] = []
        /// Lines that are not records (`file:line: why`).
        package var malformed: [String] = []
        /// Eval shards: MAE/MSE over every labelled row of the union.
        package var metrics = CountingMetrics()
        /// Eval shards: rows without ground truth, left out of `metrics`.
        var unlabelled = 0

        /// Every expected input once, nothing else, and every line readable.
        package var isComplete: Bool { missing.isEmpty && duplicated.isEmpty && unexpected.isEmpty && malformed.isEmpty }
    }

    /// - Parameter expected: the inputs in the order a single run takes them (`--inputs`); nil orders the images
    ///   naturally by their path as found and checks nothing but duplicates.
    package static func merge(_ shards: [ShardOutput], expected: [ExpectedInput]? = nil) throws -> Result {
        var result = Result()
        let typed = shards.filter { $0.kind != nil }
        if let first = typed.first {
            for other in typed.dropFirst() where other.kind != first.kind || other.header != first.header {
                let describe = { (s: ShardOutput) in s.kind!.description + (s.header.map { " with header \($0)" } ?? "") }
                throw ShardMergeError.mixed(first: first.file, firstKind: describe(first), other: other.file, otherKind: describe(other))
            }
            result.kind = first.kind
            if let header = first.header { result.lines.append(header) }
        }

        // One record per identity; the files of an identity are kept only when there are several (rare).
        var kept: [String: (record: ShardOutput.Record, file: Int)] = [:]
        var files: [String: [Int]] = [:]
        for (f, shard) in shards.enumerated() {
            result.malformed += shard.problems
            for record in shard.records {
                guard let old = kept[record.identity] else { kept[record.identity] = (record, f); continue }
                if old.file != f, !(files[record.identity]?.contains(f) ?? false) { files[record.identity, default: [old.file]].append(f) }
                if !record.failed || old.record.failed { kept[record.identity] = (record, old.file) }
            }
        }

        var ordered: [ShardOutput.Record] = []
        if let expected {
            var seen: Set<String> = []
            for input in expected where seen.insert(input.identity).inserted {
                if let k = kept.removeValue(forKey: input.identity) { ordered.append(k.record) } else { result.missing.append(input.image) }
            }
            let extra = naturallySorted(kept.values.map(\.record))
            result.unexpected = extra.map(\.image)
            ordered += extra
        } else {
            ordered = naturallySorted(kept.values.map(\.record))
        }

        for record in ordered {
            result.lines.append(record.line)
            result.records += 1
            if record.failed { result.failed += 1 }
            if let list = files[record.identity] { result.duplicated.append((record.image, list.map { shards[$0].file })) }
            if result.kind == .evalCSV, let count = record.count {
                if let gt = record.groundTruth { result.metrics.add(predicted: count, groundTruth: gt) } else { result.unlabelled += 1 }
            }
        }
        return result
    }

    /// Natural order of the paths as found (IMG_2 before IMG_10), folder by folder: a single run's order within
    /// one argument, `--recursive` included. A `/` becomes 0 so that a shorter name sorts before a longer one that
    /// starts with it, as `ImageInputs` sorts the entries of each folder.
    static func naturallySorted(_ records: [ShardOutput.Record]) -> [ShardOutput.Record] {
        let keys = records.map { $0.image.utf8.map { $0 == UInt8(ascii: "/") ? 0 : $0 } }
        let order = records.indices.sorted { a, b in
            keys[a] == keys[b] ? records[a].identity < records[b].identity : NaturalOrder.less(keys[a], keys[b])
        }
        return order.map { records[$0] }
    }
}

extension ShardMerge.ExpectedInput {
    /// The images a run over these command-line inputs takes, in its order, and the inputs it cannot read
    /// (a run writes an error record for each of those, so they are expected too).
    package static func expand(_ arguments: [String], recursive: Bool = false)
        -> (inputs: [ShardMerge.ExpectedInput], problems: [(input: String, reason: String)]) {
        let expansion = ImageInputs.expand(arguments, recursive: recursive)
        let found = expansion.images.map { ShardMerge.ExpectedInput(image: $0) }
        return (found + expansion.problems.map { ShardMerge.ExpectedInput(image: $0.input) }, expansion.problems)
    }
}
