import SwiftUI
import LifeCertCore
import LifeCertModel
import LifeCertPhone

/// The app's entry point. Not named `LifeCertApp`: that is the core's class
/// (`LifeCertCore.LifeCertApp`), which `AppModel` holds.
@main
struct LifeCertShell: App {
    @StateObject private var model = ObservedModel(AppModel.onPhone())
    @Environment(\.scenePhase) private var phase

    var body: some Scene {
        WindowGroup {
            RootView().environmentObject(model)
        }
        // Sent to the background mid-capture: back to the same steps, with a word on why.
        .onChange(of: phase) { now in
            if now == .background { model.model.cameraInterrupted() }
        }
    }
}

/// The view model (LifeCertKit's AppModel, built and tested on Linux too,
/// where Combine is not) published to SwiftUI: the one place the app uses
/// ObservableObject.
@MainActor
final class ObservedModel: ObservableObject {
    let model: AppModel
    @Published private(set) var shell: AppModel.Shell

    init(_ model: AppModel) {
        self.model = model
        shell = model.shell
        model.onChange = { [weak self] shell in self?.shell = shell }
    }

    var core: LifeCertApp? { model.core }
    func voiceMissing(_ view: AppView) -> Bool { model.voiceMissing(view) }
    var camera: Camera { model.camera }

    func send(_ event: Event) {
        model.send(event)
    }
}
