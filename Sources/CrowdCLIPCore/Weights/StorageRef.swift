import Foundation

struct StorageRef { let dtype: WeightDType; let key: String; let count: Int }
