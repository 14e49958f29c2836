import Foundation

/// One residual block's parameters, in `VisionParameters.blockFields` order.
struct BlockParameters {
    let t: [Tensor]
    var ln1w: Tensor { t[0] }; var ln1b: Tensor { t[1] }; var inW: Tensor { t[2] }; var inB: Tensor { t[3] }
    var outW: Tensor { t[4] }; var outB: Tensor { t[5] }; var ln2w: Tensor { t[6] }; var ln2b: Tensor { t[7] }
    var fcW: Tensor { t[8] }; var fcB: Tensor { t[9] }; var projW: Tensor { t[10] }; var projB: Tensor { t[11] }
}
