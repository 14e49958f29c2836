import Foundation

/// What an encoder refuses: input of the wrong shape, or a tower the weights do not have.
public enum EncoderError: Error, CustomStringConvertible {
    /// The input tensor or token ids do not fit the model; the message says what was expected.
    case badInput(String)
    /// The image or text tower was asked for but the weights (named in the message) do not hold it.
    case missingTower(String)
    /// The message, naming the weights or the shapes involved.
    public var description: String {
        switch self {
        case let .badInput(m): return m
        case let .missingTower(m): return m
        }
    }
}
