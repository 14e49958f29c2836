import Foundation

/// PyTorch zip checkpoints: `torch.save` state dicts, Lightning `.ckpt` files (tensors under `state_dict`), and
/// TorchScript archives such as OpenAI's `ViT-B-16.pt` (module objects whose attributes hold the parameters).
/// All share one layout: `<archive>/data.pkl` plus one zip entry per storage, `<archive>/data/<key>`.
enum TorchCheckpoint {
    /// A checkpoint's object graph is small (OpenAI's ViT-L/14 pickle is well under 1 MB); the cap bounds how
    /// deeply a crafted pickle can nest values, which the large stack below then always holds.
    static let maxPickleBytes = 4 << 20

    static func load(file: MappedFile) throws -> WeightStore {
        // Building and releasing nested pickle values recurses once per level: run on a thread whose stack
        // fits the deepest graph `maxPickleBytes` can describe, so a crafted file cannot overflow the stack.
        try LargeStack.run { try loadOnCurrentThread(file: file) }
    }

    private static func loadOnCurrentThread(file: MappedFile) throws -> WeightStore {
        let zip = try ZipArchive(file: file)
        guard let pkl = zip.entries.keys.filter({ $0.hasSuffix("data.pkl") }).min(by: { $0.count < $1.count }) else {
            throw WeightError.unknownFormat(file: file.path)
        }
        let prefix = String(pkl.dropLast("data.pkl".count))
        guard let entry = zip.entries[pkl], entry.size <= maxPickleBytes else {
            throw WeightError.unsupported(file: file.path, reason: "`\(pkl)` is larger than \(maxPickleBytes >> 20) MiB, far beyond any model's object graph")
        }
        let root = try RestrictedUnpickler(file: file.path, data: try zip.data(pkl)).load()
        var found: [(String, TensorRef)] = []
        var visited = Set<ObjectIdentifier>()
        collectTensors(stateRoot(root), prefix: "", into: &found, depth: 0, visited: &visited)
        guard !found.isEmpty else { throw WeightError.corrupt(file: file.path, reason: "no tensors found in the checkpoint") }
        var tensors: [String: Tensor] = [:]
        for (name, ref) in found {
            tensors[name] = try materialize(ref, name: name, archive: zip, prefix: prefix)
        }
        return WeightStore(tensors: CanonicalNames.normalize(tensors, file: file.path), source: file.path)
    }

    /// Lightning keeps the model under `state_dict` beside optimizer state; other checkpoints are the state itself.
    private static func stateRoot(_ v: PickleValue) -> PickleValue {
        if case let .dict(d) = v {
            for key in ["state_dict", "model_state_dict", "model", "module"] {
                if let inner = d.get(key), case .dict = inner { return inner }
            }
        }
        return v
    }

    /// Walks dicts and placeholder objects (TorchScript modules) collecting tensors under dotted names.
    /// Each container is visited once, so a pickle whose dicts refer to each other cannot make this loop forever.
    private static func collectTensors(_ v: PickleValue, prefix: String, into out: inout [(String, TensorRef)], depth: Int,
                                       visited: inout Set<ObjectIdentifier>) {
        guard depth < 64 else { return }
        switch v {
        case let .tensor(t): out.append((prefix, t))
        case let .dict(d):
            guard visited.insert(ObjectIdentifier(d)).inserted else { return }
            for (k, value) in zip(d.keys, d.values) {
                guard let key = k.string ?? k.int.map(String.init) else { continue }
                collectTensors(value, prefix: prefix.isEmpty ? key : "\(prefix).\(key)", into: &out, depth: depth + 1, visited: &visited)
            }
        case let .object(o):
            guard visited.insert(ObjectIdentifier(o)).inserted else { return }
            collectTensors(o.state, prefix: prefix, into: &out, depth: depth + 1, visited: &visited)
        default: break
        }
    }

    /// Turns a tensor record into float32: its storage entry, offset and strides, all bounds-checked.
    private static func materialize(_ r: TensorRef, name: String, archive: ZipArchive, prefix: String) throws -> Tensor {
        let path = archive.file.path
        let entry = "\(prefix)data/\(r.storage.key)"
        let bytes = try archive.data(entry)
        let esize = r.storage.dtype.size
        let (storageBytes, tooBig) = r.storage.count.multipliedReportingOverflow(by: esize)
        guard !tooBig, storageBytes <= bytes.count, r.offset >= 0, r.offset <= r.storage.count,
              r.shape.allSatisfy({ $0 >= 0 && $0 < 1 << 40 }), r.stride.allSatisfy({ $0 >= 0 && $0 < 1 << 40 }) else {
            throw WeightError.corrupt(file: path, reason: "tensor `\(name)`: storage `\(entry)` is shorter than its record says")
        }
        let (count, countOverflow) = r.shape.reduce((1, false)) { acc, d in
            let (m, o) = acc.0.multipliedReportingOverflow(by: d); return (m, acc.1 || o)
        }
        guard !countOverflow else { throw WeightError.corrupt(file: path, reason: "tensor `\(name)` has shape \(r.shape)") }
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
        var contiguous = true
        var expected = 1
        for (d, s) in zip(r.shape, r.stride).reversed() where d > 1 {
            if s != expected { contiguous = false }
            expected *= d
        }
        let base = bytes.baseAddress! + r.offset * esize
        if contiguous {
            let slice = UnsafeRawBufferPointer(start: base, count: count * esize)
            return r.storage.dtype.tensor(shape: r.shape, bytes: slice, owner: archive.file)
        }
        // A strided view (rare in checkpoints): gather it element by element.
        let out = Tensor(zeros: r.shape)
        var index = [Int](repeating: 0, count: r.shape.count)
        for i in 0..<count {
            var off = 0
            for (k, s) in zip(index, r.stride) { off += k * s }
            r.storage.dtype.convert(base + off * esize, count: 1, to: out.pointer + i)
            var d = r.shape.count - 1
            while d >= 0 { index[d] += 1; if index[d] < r.shape[d] { break }; index[d] = 0; d -= 1 }
        }
        return out
    }
}

/// Runs work on a thread with a 2 GiB stack (reserved address space; only touched pages use memory).
enum LargeStack {
    private final class Box<T>: @unchecked Sendable { var result: Result<T, Error>? }

    static func run<T>(_ body: @escaping () throws -> T) throws -> T {
        let box = Box<T>()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            box.result = Result { try body() }
            done.signal()
        }
        thread.stackSize = 2 << 30
        thread.start()
        done.wait()
        return try box.result!.get()
    }
}
