import Foundation

final class PickleList { var items: [PickleValue]; init(_ items: [PickleValue] = []) { self.items = items } }
