import Foundation

/// PyTorch zip checkpoints: `torch.save` state dicts, Lightning `.ckpt` files (tensors under `state_dict`), and
/// TorchScript archives such as OpenAI's `ViT-B-16.pt` (module objects whose attributes hold the parameters).
/// All share one layout: `<archive>/data.pkl` plus one zip entry per storage, `<archive>/data/<key>`.
enum TorchCheckpoint {
    /// A checkpoint's object graph is small (OpenAI's ViT-L/14 pickle is well under 1 MB); the cap bounds the
    /// work and memory a crafted pickle can ask for.
    static let maxPickleBytes = 4 << 20

    static func load(file: MappedFile) throws -> WeightStore {
        // Nothing below recurses with the pickle's depth (the arena frees nested values one by one, the tensor
        // walk stops at 64 levels); the large stack is a margin for what Swift's runtime may do on our behalf.
        try LargeStack.run { try loadOnCurrentThread(file: file) }
    }

    private static func loadOnCurrentThread(file: MappedFile) throws -> WeightStore {
        let zip = try ZipArchive(file: file)
        guard let pkl = zip.entries.keys.filter({ $0.hasSuffix("data.pkl") }).min(by: { $0.count < $1.count }) else {
            throw WeightError.unknownFormat(file: file.path)
        }
        let prefix = String(pkl.dropLast("data.pkl".count))
        // The cap applies to the bytes actually read, not to the size the directory declares.
        let pickle = try zip.data(pkl)
        guard pickle.bytes.count <= maxPickleBytes else {
            throw WeightError.unsupported(file: file.path, reason: "`\(pkl)` is larger than \(maxPickleBytes >> 20) MiB, far beyond any model's object graph")
        }
        let arena = PickleArena()
        defer { arena.release() }
        let root = try RestrictedUnpickler(file: file.path, data: pickle.bytes, arena: arena).load()
        var walk = TensorWalk()
        let (state, rootKey) = stateRoot(root)
        walk.collect(state, prefix: "", depth: 0)
        let keyPath = { (name: String) in rootKey.map { "\($0) → \(name)" } ?? name }
        guard !walk.tensors.isEmpty else {
            let found = walk.placeholders.first.map { " (it holds `\($0.global)` at \(keyPath($0.name)), which this reader does not build)" }
                ?? (rootPlaceholder(root).map { " (its root is `\($0)`, which this reader does not build)" } ?? "")
            throw WeightError.corrupt(file: file.path, reason: "no tensors found in the checkpoint\(found)")
        }
        var materializer = Materializer(archive: zip, prefix: prefix)
        var tensors: [String: Tensor] = [:]
        for (name, ref) in walk.tensors {
            tensors[name] = try materializer.tensor(ref, name: name)
        }
        var store = WeightStore(tensors: CanonicalNames.normalize(tensors, file: file.path), source: file.path)
        for p in walk.placeholders {
            store.addPlaceholder(canonicalName: CanonicalNames.canonical(p.name) ?? p.name, global: p.global, keyPath: keyPath(p.name))
        }
        return store
    }

    /// Lightning keeps the model under `state_dict` beside optimizer state; other checkpoints are the state itself.
    private static func stateRoot(_ v: PickleValue) -> (PickleValue, String?) {
        if case let .dict(d) = v {
            for key in ["state_dict", "model_state_dict", "model", "module"] {
                if let inner = d.get(key), case .dict = inner { return (inner, key) }
            }
        }
        return (v, nil)
    }

    private static func rootPlaceholder(_ v: PickleValue) -> String? {
        switch v {
        case let .object(o): return o.className
        case let .global(g): return g
        default: return nil
        }
    }

    /// Walks dicts and module objects (TorchScript, `nn.Module`) collecting tensors under dotted names, and
    /// notes where an opaque placeholder stands instead. Each container is visited once, so a pickle whose dicts
    /// refer to each other cannot make this loop forever.
    private struct TensorWalk {
        var tensors: [(String, TensorRef)] = []
        var placeholders: [(name: String, global: String)] = []
        private var visited = Set<ObjectIdentifier>()

        mutating func collect(_ v: PickleValue, prefix: String, depth: Int) {
            guard depth < 64 else { return }
            switch v {
            case let .tensor(t): tensors.append((prefix, t))
            case let .dict(d):
                guard visited.insert(ObjectIdentifier(d)).inserted else { return }
                for (k, value) in zip(d.keys, d.values) {
                    guard let key = k.string ?? k.int.map(String.init) else { continue }
                    collect(value, prefix: prefix.isEmpty ? key : "\(prefix).\(key)", depth: depth + 1)
                }
            case let .object(o):
                guard PickleAllowList.isContainer(o.className) else { placeholders.append((prefix, o.className)); return }
                guard visited.insert(ObjectIdentifier(o)).inserted else { return }
                collect(o.state, prefix: prefix, depth: depth + 1)
            case let .global(g):
                placeholders.append((prefix, g))
            default: break
            }
        }
    }

    /// Turns tensor records into float32 tensors: storage entry, offset and strides all bounds-checked, and the
    /// memory spent on converted copies bounded by the storages the file really holds.
    private struct Materializer {
        let archive: ZipArchive
        let prefix: String
        /// Views already made, so records repeating one tensor (a dict listing it a million times) share it.
        private var made: [String: Tensor] = [:]
        private var storages: Set<String> = []
        private var storageElements = 0
        private var copiedElements = 0

        init(archive: ZipArchive, prefix: String) { self.archive = archive; self.prefix = prefix }

        mutating func tensor(_ r: TensorRef, name: String) throws -> Tensor {
            let path = archive.file.path
            let entry = "\(prefix)data/\(r.storage.key)"
            let id = "\(entry)|\(r.storage.dtype)|\(r.offset)|\(r.shape)|\(r.stride)"
            if let t = made[id] { return t }
            let data = try archive.data(entry)
            let bytes = data.bytes
            let esize = r.storage.dtype.size
            guard r.storage.count <= bytes.count / esize, r.offset >= 0, r.offset <= r.storage.count,
                  r.shape.allSatisfy({ $0 >= 0 }), r.stride.allSatisfy({ $0 >= 0 }) else {
                throw WeightError.corrupt(file: path, reason: "tensor `\(name)`: storage `\(entry)` is shorter than its record says")
            }
            let (count, countOverflow) = r.shape.reduce((1, false)) { acc, d in
                let (m, o) = acc.0.multipliedReportingOverflow(by: d); return (m, acc.1 || o)
            }
            // A view never has more elements than its storage, except a broadcast (zero-stride) view, which
            // would turn a few bytes into any amount of memory.
            guard !countOverflow, count <= r.storage.count else {
                throw WeightError.corrupt(file: path, reason: "tensor `\(name)` has shape \(r.shape), more elements than its storage holds (\(r.storage.count))")
            }
            // The furthest element the view touches must lie inside the storage.
            var last = r.offset
            for (d, s) in zip(r.shape, r.stride) {
                let (step, o1) = max(d - 1, 0).multipliedReportingOverflow(by: s)
                let (sum, o2) = last.addingReportingOverflow(step)
                guard !o1, !o2 else { throw WeightError.corrupt(file: path, reason: "tensor `\(name)` has impossible strides") }
                last = sum
            }
            guard count == 0 || last < r.storage.count else {
                throw WeightError.corrupt(file: path, reason: "tensor `\(name)` reaches past the end of its storage")
            }
            if storages.insert(entry).inserted { storageElements += r.storage.count }
            var contiguous = true
            var expected = 1
            for (d, s) in zip(r.shape, r.stride).reversed() where d > 1 {
                if s != expected { contiguous = false }
                expected *= d
            }
            let base = bytes.baseAddress! + r.offset * esize
            let copies = !(contiguous && r.storage.dtype == .f32 && Int(bitPattern: base) % 4 == 0)
            if copies {
                copiedElements += count
                guard copiedElements <= 4 * storageElements + (1 << 20) else {
                    throw WeightError.corrupt(file: path, reason: "tensor `\(name)`: the tensor records ask for far more memory than the storages hold")
                }
            }
            let t: Tensor
            if contiguous {
                t = r.storage.dtype.tensor(shape: r.shape, bytes: UnsafeRawBufferPointer(start: base, count: count * esize), owner: data.owner)
            } else {
                // A strided view (rare in checkpoints): gather it element by element.
                t = Tensor(zeros: r.shape)
                var index = [Int](repeating: 0, count: r.shape.count)
                for i in 0..<count {
                    var off = 0
                    for (k, s) in zip(index, r.stride) { off += k * s }
                    r.storage.dtype.convert(base + off * esize, count: 1, to: t.pointer + i)
                    var d = r.shape.count - 1
                    while d >= 0 { index[d] += 1; if index[d] < r.shape[d] { break }; index[d] = 0; d -= 1 }
                }
            }
            made[id] = t
            return t
        }
    }
}
