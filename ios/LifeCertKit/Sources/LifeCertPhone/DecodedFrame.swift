#if os(iOS) && DEBUG
import CoreGraphics
import Foundation
import ImageIO
import LifeCertCore

/// The recorded clip's frames as the camera gives them: each encoded picture
/// decoded to 32-bit BGRA and passed to `pushFrame`, upright and un-mirrored
/// (rotation 0), so the Simulator runs the same frame path as a phone. Test
/// builds only, like RecordedClipCamera.
func decodedFrame(core: LifeCertApp, encoded: Data, timestampMs: UInt64) throws {
    guard let source = CGImageSourceCreateWithData(encoded as CFData, nil),
          let image = CGImageSourceCreateImageAtIndex(source, 0, nil)
    else { return }
    let width = image.width
    let height = image.height
    let rowStride = width * 4
    var pixels = Data(count: rowStride * height)
    let drawn: Bool = pixels.withUnsafeMutableBytes { buffer in
        guard let context = CGContext(
            data: buffer.baseAddress,
            width: width,
            height: height,
            bitsPerComponent: 8,
            bytesPerRow: rowStride,
            space: CGColorSpaceCreateDeviceRGB(),
            // B, G, R, A in memory: 32-bit little-endian with alpha first.
            bitmapInfo: CGImageAlphaInfo.premultipliedFirst.rawValue | CGBitmapInfo.byteOrder32Little.rawValue
        ) else { return false }
        context.draw(image, in: CGRect(x: 0, y: 0, width: width, height: height))
        return true
    }
    guard drawn else { return }
    let info = FrameInfo(
        width: UInt32(width),
        height: UInt32(height),
        rowStride: UInt32(rowStride),
        format: .bgra,
        rotation: 0,
        mirrored: false,
        timestampMs: timestampMs
    )
    try core.pushFrame(pixels: pixels, info: info)
}
#endif
