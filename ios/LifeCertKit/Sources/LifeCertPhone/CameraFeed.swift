#if os(iOS)
import AVFoundation
import UIKit
import LifeCertCore
import LifeCertModel

/// The front camera: a session for the preview layer, and every frame the core
/// can keep up with handed to `LifeCertApp.pushFrame` on the capture queue.
/// The view model starts it when the capture screen appears and stops it
/// when that screen goes; the view only shows `session` in a preview layer.
///
/// `@unchecked Sendable`: the session's setup and `core` are only touched on
/// `queue`, `rotation` only under `lock`.
public final class CameraFeed: NSObject, Camera, AVCaptureVideoDataOutputSampleBufferDelegate, @unchecked Sendable {
    public let session = AVCaptureSession()
    private let queue = DispatchQueue(label: "org.lifecert.camera")
    private var core: LifeCertApp?
    private var configured = false

    private let lock = NSLock()
    private var rotation: UInt32 = 90 // portrait
    private var orientationObserver: NSObjectProtocol?
    private var interruptionObserver: NSObjectProtocol?
    /// Called (on the main actor) when the system interrupts the session: a
    /// call, another app using the camera, split screen.
    public var onInterrupted: (@MainActor () -> Void)?

    override public init() {
        super.init()
    }

    @MainActor
    public func start(pushingTo core: LifeCertApp, challenge _: [Action]) {
        // The UI is portrait-only; follow how the phone is really held so the
        // core still gets the face upright.
        UIDevice.current.beginGeneratingDeviceOrientationNotifications()
        updateRotation()
        orientationObserver = NotificationCenter.default.addObserver(
            forName: UIDevice.orientationDidChangeNotification, object: nil, queue: .main
        ) { [weak self] _ in
            MainActor.assumeIsolated { if let self { self.updateRotation() } }
        }
        interruptionObserver = NotificationCenter.default.addObserver(
            forName: AVCaptureSession.wasInterruptedNotification, object: session, queue: .main
        ) { [weak self] _ in
            MainActor.assumeIsolated { self?.onInterrupted?() }
        }
        queue.async {
            self.core = core
            if !self.configured { self.configured = self.configure() }
            self.session.startRunning() // blocking: never on the main thread
        }
    }

    @MainActor
    public func stop() {
        if let observer = orientationObserver { NotificationCenter.default.removeObserver(observer) }
        orientationObserver = nil
        if let observer = interruptionObserver { NotificationCenter.default.removeObserver(observer) }
        interruptionObserver = nil
        UIDevice.current.endGeneratingDeviceOrientationNotifications()
        queue.async {
            self.session.stopRunning()
            self.core = nil
        }
    }

    /// On `queue`.
    private func configure() -> Bool {
        session.beginConfiguration()
        defer { session.commitConfiguration() }
        guard let camera = AVCaptureDevice.default(.builtInWideAngleCamera, for: .video, position: .front),
              let input = try? AVCaptureDeviceInput(device: camera),
              session.canAddInput(input)
        else { return false }
        session.addInput(input)
        // The face models work on small crops; VGA keeps each frame cheap.
        if session.canSetSessionPreset(.vga640x480) { session.sessionPreset = .vga640x480 }

        let output = AVCaptureVideoDataOutput()
        output.videoSettings = [kCVPixelBufferPixelFormatTypeKey as String: kCVPixelFormatType_32BGRA]
        // The core analyses at its own pace: late frames are dropped, not queued.
        output.alwaysDiscardsLateVideoFrames = true
        output.setSampleBufferDelegate(self, queue: queue)
        guard session.canAddOutput(output) else { return false }
        session.addOutput(output)

        // Keep the sensor's own view (the preview layer mirrors for the person);
        // the core wants it un-mirrored, and `mirrored` below reports the truth.
        if let connection = output.connection(with: .video), connection.isVideoMirroringSupported {
            connection.automaticallyAdjustsVideoMirroring = false
            connection.isVideoMirrored = false
        }
        return true
    }

    public func captureOutput(_ output: AVCaptureOutput, didOutput sampleBuffer: CMSampleBuffer, from connection: AVCaptureConnection) {
        guard let core, let pixels = CMSampleBufferGetImageBuffer(sampleBuffer) else { return }
        CVPixelBufferLockBaseAddress(pixels, .readOnly)
        defer { CVPixelBufferUnlockBaseAddress(pixels, .readOnly) }
        guard let base = CVPixelBufferGetBaseAddress(pixels) else { return }

        let rowStride = CVPixelBufferGetBytesPerRow(pixels)
        let height = CVPixelBufferGetHeight(pixels)
        // No copy: valid while the buffer is locked, and pushFrame returns before the unlock.
        let bytes = Data(bytesNoCopy: base, count: rowStride * height, deallocator: .none)
        let time = CMSampleBufferGetPresentationTimeStamp(sampleBuffer).seconds
        let info = FrameInfo(
            width: UInt32(CVPixelBufferGetWidth(pixels)),
            height: UInt32(height),
            rowStride: UInt32(rowStride),
            format: .bgra,
            rotation: currentRotation(),
            mirrored: connection.isVideoMirrored,
            timestampMs: UInt64(max(0, time * 1000))
        )
        do {
            try core.pushFrame(pixels: bytes, info: info)
        } catch {
            // CaptureError: a bad or late frame (e.g. the capture just ended); the next one comes.
        }
    }

    private func currentRotation() -> UInt32 {
        lock.lock()
        defer { lock.unlock() }
        return rotation
    }

    /// Clockwise degrees that turn the front camera's landscape sensor frame
    /// upright for how the phone is held (flat or unknown keeps the last).
    @MainActor
    private func updateRotation() {
        let degrees: UInt32
        switch UIDevice.current.orientation {
        case .portrait: degrees = 90
        case .portraitUpsideDown: degrees = 270
        case .landscapeLeft: degrees = 180
        case .landscapeRight: degrees = 0
        default: return
        }
        lock.lock()
        rotation = degrees
        lock.unlock()
    }
}
#endif
