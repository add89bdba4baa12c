import SwiftUI

/// The app's entry point. Not named `LifeCertApp`: that is the core's class
/// (`LifeCertCore.LifeCertApp`), which `AppModel` holds.
@main
struct LifeCertShell: App {
    @StateObject private var model = AppModel()

    var body: some Scene {
        WindowGroup {
            RootView().environmentObject(model)
        }
    }
}
