import Foundation

/// Owns every container one unpickling creates. `release()` empties them one by one, which breaks reference
/// cycles (a list holding itself) and frees deeply nested values without deep recursion.
final class PickleArena {
    private var lists: [PickleList] = []
    private var dicts: [PickleDict] = []
    private var objects: [PickleObject] = []

    func list(_ items: [PickleValue] = []) -> PickleList { let l = PickleList(items); lists.append(l); return l }
    func dict() -> PickleDict { let d = PickleDict(); dicts.append(d); return d }
    func object(_ name: String, _ args: [PickleValue]) -> PickleObject {
        let o = PickleObject(className: name, args: args); objects.append(o); return o
    }

    func release() {
        for l in lists { l.items = [] }
        for d in dicts { d.removeAll() }
        for o in objects { o.args = []; o.state = .none }
        lists = []; dicts = []; objects = []
    }

    deinit { release() }
}
