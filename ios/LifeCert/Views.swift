import AVFoundation
import SwiftUI
import LifeCertCore
import LifeCertModel
import LifeCertPhone

// Draws AppView and forwards taps; nothing here decides anything. Words come
// from the core's Messages (`display`); ScreenLabels only names buttons and fields.
// Every actionable element and every text a UI test reads has a stable
// accessibilityIdentifier, listed in ../../shells/element-ids.txt.

private let minTouch: CGFloat = 64

struct RootView: View {
    @EnvironmentObject private var model: ObservedModel

    var body: some View {
        switch model.shell {
        case .starting:
            ProgressView().controlSize(.large).accessibilityIdentifier("starting")
        case let .failed(language):
            Page(instruction: nil) {
                IconLine(ScreenLabels.of(language).startupFailed, "exclamationmark.triangle.fill", font: .title2, id: "startup-failed")
            }
        case let .showing(view):
            AppScreen(view: view)
        }
    }
}

private struct AppScreen: View {
    let view: AppView
    @EnvironmentObject private var model: ObservedModel

    var body: some View {
        let l = ScreenLabels.of(view.language)
        NavigationStack {
            VStack(spacing: 0) {
                // Busy: a network call runs; the screen and its buttons stay.
                if view.busy { ProgressView().progressViewStyle(.linear).accessibilityIdentifier("busy") }
                if let problem = view.problem { ProblemBanner(message: problem.message) }
                // Spoken prompts are on but the phone has no voice for them: say so, in writing.
                if model.voiceMissing(view) {
                    IconLine(LifeCertCore.labels(language: view.language).voiceMissing, "speaker.slash", id: "voice-missing")
                        .frame(maxWidth: .infinity, alignment: .leading)
                        .padding(.horizontal)
                }
                ScreenBody(view: view, l: l)
                    .frame(maxWidth: .infinity, maxHeight: .infinity, alignment: .top)
            }
            .navigationTitle(view.title.display)
            .navigationBarTitleDisplayMode(.inline)
            .toolbar {
                // The title as an element UI tests can read.
                ToolbarItem(placement: .principal) {
                    Text(view.title.display).font(.headline).accessibilityIdentifier("title")
                }
                if view.canGoBack {
                    ToolbarItem(placement: .navigationBarLeading) {
                        Button { model.send(.back) } label: {
                            Label(l.back, systemImage: "chevron.backward").labelStyle(.titleAndIcon)
                        }
                        .frame(minWidth: minTouch, minHeight: minTouch)
                        .accessibilityIdentifier("back")
                    }
                }
            }
        }
        // Follows the phone's Dynamic Type; "large text" raises the floor.
        .dynamicTypeSize(view.largeText ? DynamicTypeSize.xxxLarge... : DynamicTypeSize.xSmall...)
    }
}

private struct ScreenBody: View {
    let view: AppView
    let l: ScreenLabels
    @EnvironmentObject private var model: ObservedModel

    var body: some View {
        switch view.screen {
        case .welcome:
            Page(instruction: view.instruction) {
                BigButton(l.logIn, "person.crop.circle.badge.checkmark", id: "welcome-log-in") { model.send(.showLogIn) }
                BigButton(l.register, "person.crop.circle.badge.plus", id: "welcome-register", prominent: false) { model.send(.showRegister) }
            }
        case .register:
            RegisterPage(view: view, l: l)
        case .logIn:
            LogInPage(view: view, l: l)
        case let .home(me, relatives, requests, queuedUploads, verifyFirst):
            Page(instruction: view.instruction) {
                PersonCardView(card: me, id: "home-me")
                if let verifyFirst { IconLine(verifyFirst.display, "info.circle", id: "home-verify-first") }
                BigButton(l.start, "faceid", id: "home-start") { model.send(.chooseWho) }
                BigButton(l.updateContact, "envelope", id: "home-contact-\(0)", prominent: false) { model.send(.showContact(personId: me.personId)) }
                if queuedUploads > 0 {
                    IconLine(l.queued(queuedUploads), "icloud.and.arrow.up", id: "home-queued")
                    BigButton(l.sendNow, "icloud.and.arrow.up", id: "home-send-now", prominent: false, enabled: !view.busy) { model.send(.retryUploads) }
                }
                ForEach(Array(requests.enumerated()), id: \.element.bindingId) { i, request in
                    IconLine(request.message.display, "person.2.fill", id: "home-request-\(i)")
                    BigButton(l.accept, "checkmark", id: "home-request-accept-\(i)", enabled: !view.busy) {
                        model.send(.acceptRequest(bindingId: request.bindingId))
                    }
                }
                ForEach(Array(relatives.enumerated()), id: \.element.personId) { i, relative in
                    PersonCardView(card: relative, id: "home-relative-\(i)")
                    // Only a relative who agreed: until then certd lets nobody act for them.
                    if !relative.bindingPending {
                        BigButton("\(l.updateContact): \(relative.name)", "envelope", id: "home-contact-\(i + 1)", prominent: false) {
                            model.send(.showContact(personId: relative.personId))
                        }
                    }
                }
                BigButton(l.addRelative, "person.badge.plus", id: "home-add-relative", prominent: false) { model.send(.showAddRelative) }
                BigButton(l.records, "clock.arrow.circlepath", id: "home-records", prominent: false) { model.send(.showRecords) }
                BigButton(l.settings, "gearshape", id: "home-settings", prominent: false) { model.send(.showSettings) }
                BigButton(l.refresh, "arrow.clockwise", id: "home-refresh", prominent: false, enabled: !view.busy) { model.send(.refreshHome) }
            }
        case let .chooseWho(people):
            Page(instruction: view.instruction) {
                // who-0 is the person themself, then their relatives in Home's order.
                ForEach(Array(people.enumerated()), id: \.element.personId) { i, person in
                    Button { model.send(.select(personId: person.personId)) } label: {
                        PersonCardView(card: person, chevron: true)
                    }
                    .buttonStyle(.plain)
                    .accessibilityIdentifier("who-\(i)")
                }
            }
        case .addRelative:
            AddRelativePage(view: view, l: l)
        case let .consent(subject, points):
            Page(instruction: view.instruction) {
                PersonCardView(card: subject, id: "consent-subject")
                ForEach(Array(points.enumerated()), id: \.offset) { i, point in IconLine(point.display, "lock.shield", id: "consent-point-\(i)") }
                BigButton(l.agree, "checkmark", id: "consent-agree", enabled: !view.busy) { model.send(.giveConsent) }
                BigButton(l.decline, "xmark", id: "consent-decline", prominent: false) { model.send(.declineConsent) }
            }
        case let .templatePreview(subject, templatePhoto):
            Page(instruction: view.instruction) {
                TemplatePhoto(jpeg: templatePhoto, subject: subject)
                PersonCardView(card: subject, id: "template-subject")
                ProgressView().controlSize(.large).frame(maxWidth: .infinity)
            }
        case let .cameraPermission(subject, actions, templatePhoto):
            CameraPermissionPage(view: view, actions: actions, photo: templatePhoto, subject: subject, l: l)
        case let .capture(_, update):
            CapturePage(update: update, l: l)
        case let .uploading(subject, sentBytes, totalBytes):
            Page(instruction: view.instruction) {
                IconLine(subject.name, "icloud.and.arrow.up", font: .title2)
                if totalBytes > 0 {
                    // How far, in a bar and (the instruction above) in words.
                    ProgressView(value: Double(sentBytes), total: Double(totalBytes))
                        .scaleEffect(y: 3).frame(maxWidth: .infinity)
                        .accessibilityIdentifier("upload-progress")
                } else {
                    ProgressView().controlSize(.large).frame(maxWidth: .infinity)
                        .accessibilityIdentifier("upload-progress")
                }
            }
        case let .queuedOffline(_, message):
            Page(instruction: nil) {
                IconLine(message.display, "wifi.slash", font: .title2, id: "offline-message")
                BigButton(l.sendNow, "icloud.and.arrow.up", id: "offline-send-now", enabled: !view.busy) { model.send(.retryUploads) }
                BigButton(l.home, "house", id: "offline-home", prominent: false) { model.send(.refreshHome) }
            }
        case let .result(subject, kind, message, advice, receiptVerified, receiptCode, nextDue):
            Page(instruction: nil) {
                Label {
                    Text(l.kind(kind)).font(.largeTitle.bold())
                } icon: {
                    Image(systemName: resultSymbol(kind)).foregroundStyle(resultTint(kind))
                }
                .accessibilityIdentifier("result-kind")
                Text(message.display).font(.title2).accessibilityIdentifier("result-message")
                if let advice { IconLine(advice.display, "lightbulb", id: "result-advice") }
                if receiptVerified { IconLine(l.receiptVerified, "checkmark.seal.fill", id: "result-receipt-verified") }
                if let receiptCode, let qr = UIImage(data: receiptQrPng(text: receiptCode)) {
                    // The receipt a bank or agency counter scans.
                    Image(uiImage: qr).interpolation(.none).resizable().scaledToFit()
                        .frame(maxWidth: 240).accessibilityLabel(l.receiptCode)
                        .accessibilityIdentifier("receipt-qr")
                    Text(l.receiptCode)
                }
                if let nextDue { IconLine(l.nextDue(nextDue), "calendar", id: "result-next-due") }
                if kind == .failed {
                    BigButton(l.retry, "arrow.clockwise", id: "result-retry", enabled: !view.busy) { model.send(.retry) }
                }
                BigButton(l.home, "house", id: "result-home", prominent: kind != .failed) { model.send(.refreshHome) }
                // As Beijing's and Foshan's apps offer after certifying.
                BigButton(l.updateContact, "envelope", id: "result-contact", prominent: false) { model.send(.showContact(personId: subject.personId)) }
            }
        case let .blocked(subject, problem):
            Page(instruction: nil) {
                IconLine(problem.message.display, "nosign", font: .title2, id: "blocked-message")
                PersonCardView(card: subject)
                BigButton(l.home, "house", id: "blocked-home") { model.send(.refreshHome) }
            }
        case let .records(rows):
            Page(instruction: view.instruction) {
                // Newest first, as the core gives them: record-0 is the newest.
                ForEach(Array(rows.enumerated()), id: \.element.certificationId) { i, row in RecordRowView(row: row, l: l, id: "record-\(i)") }
            }
        case let .contact(subject, current, saved):
            ContactPage(view: view, l: l, subject: subject, current: current, saved: saved)
                .id(subject.personId)
        case .settings:
            SettingsPage(view: view, l: l)
        }
    }
}

// MARK: - Pages with their own state or layout

private struct RegisterPage: View {
    let view: AppView
    let l: ScreenLabels
    @EnvironmentObject private var model: ObservedModel
    @State private var name = ""
    @State private var idNumber = ""
    @State private var password = ""
    @State private var mobile = ""
    @State private var mobileAgain = ""
    @State private var terms = false

    // No checks here: the core (and the server, with the same rules) answer with a problem.
    var body: some View {
        Page(instruction: view.instruction) {
            Field(l.name, text: $name, id: "register-name").textContentType(.name)
            Field(l.idNumber, text: $idNumber, id: "register-id-number").idNumberKeyboard()
            Field(l.password, text: $password, id: "register-password", secret: true).textContentType(.newPassword)
            Field(l.mobile, text: $mobile, id: "register-mobile").keyboardType(.phonePad).textContentType(.telephoneNumber)
            Field(l.mobileAgain, text: $mobileAgain, id: "register-mobile-again").keyboardType(.phonePad)
            Toggle(isOn: $terms) { Text(l.acceptTerms) }.frame(minHeight: minTouch).accessibilityIdentifier("register-terms")
            BigButton(l.register, "person.crop.circle.badge.plus", id: "register-submit", enabled: !view.busy) {
                model.send(.register(name: name, idNumber: idNumber, password: password, mobile: mobile, mobileAgain: mobileAgain, termsAccepted: terms))
            }
        }
    }
}

private struct ContactPage: View {
    let view: AppView
    let l: ScreenLabels
    let subject: PersonCard
    let current: Contact
    let saved: Bool
    @EnvironmentObject private var model: ObservedModel
    // Starts from what the agency keeps; what was typed stays when certd refuses it.
    @State private var address: String
    @State private var postCode: String
    @State private var mobile: String

    init(view: AppView, l: ScreenLabels, subject: PersonCard, current: Contact, saved: Bool) {
        self.view = view
        self.l = l
        self.subject = subject
        self.current = current
        self.saved = saved
        _address = State(initialValue: current.address)
        _postCode = State(initialValue: current.postCode)
        _mobile = State(initialValue: current.mobile)
    }

    var body: some View {
        Page(instruction: view.instruction) {
            Text(subject.name).font(.title2).accessibilityIdentifier("contact-subject")
            if saved {
                IconLine("\(current.address)\n\(current.postCode)\n\(current.mobile)", "checkmark", font: .title3)
                BigButton(l.done, "checkmark", id: "contact-done") { model.send(.back) }
            } else {
                Field(l.address, text: $address, id: "contact-address").textContentType(.fullStreetAddress)
                Field(l.postCode, text: $postCode, id: "contact-post-code").keyboardType(.numberPad).textContentType(.postalCode)
                Field(l.mobile, text: $mobile, id: "contact-mobile").keyboardType(.phonePad).textContentType(.telephoneNumber)
                BigButton(l.save, "square.and.arrow.down", id: "contact-save", enabled: !view.busy) {
                    model.send(.saveContact(address: address, postCode: postCode, mobile: mobile))
                }
            }
        }
    }
}

private struct LogInPage: View {
    let view: AppView
    let l: ScreenLabels
    @EnvironmentObject private var model: ObservedModel
    @State private var idNumber = ""
    @State private var password = ""

    var body: some View {
        Page(instruction: view.instruction) {
            Field(l.idNumber, text: $idNumber, id: "log-in-id-number").idNumberKeyboard().textContentType(.username)
            Field(l.password, text: $password, id: "log-in-password", secret: true).textContentType(.password)
            BigButton(l.logIn, "person.crop.circle.badge.checkmark", id: "log-in-submit", enabled: !view.busy) {
                model.send(.logIn(idNumber: idNumber, password: password))
            }
        }
    }
}

private struct AddRelativePage: View {
    let view: AppView
    let l: ScreenLabels
    @EnvironmentObject private var model: ObservedModel
    @State private var name = ""
    @State private var idNumber = ""
    @State private var relation = ""

    var body: some View {
        Page(instruction: view.instruction) {
            Field(l.name, text: $name, id: "relative-name")
            Field(l.idNumber, text: $idNumber, id: "relative-id-number").idNumberKeyboard()
            Field(l.relation, text: $relation, id: "relative-relation")
            BigButton(l.addRelative, "person.badge.plus", id: "relative-submit", enabled: !view.busy) {
                model.send(.addRelative(name: name, idNumber: idNumber, relation: relation))
            }
        }
    }
}

/// The template photo (模板照片) certd keeps, small and grey, with the name:
/// the right person is certified.
private struct TemplatePhoto: View {
    let jpeg: Data?
    let subject: PersonCard

    var body: some View {
        if let jpeg, let image = UIImage(data: jpeg) {
            Image(uiImage: image).resizable().scaledToFit()
                .frame(width: 120, height: 160)
                .accessibilityLabel(subject.name)
                .accessibilityIdentifier("template-photo")
        } else if subject.templateEnrolled {
            // The photo is on its way: its place is kept, so the buttons below
            // do not jump under a finger when it arrives.
            Color(.secondarySystemBackground).frame(width: 120, height: 160)
        }
    }
}

private struct CameraPermissionPage: View {
    let view: AppView
    let actions: [LifeCertCore.Action]
    let photo: Data?
    let subject: PersonCard
    let l: ScreenLabels
    @EnvironmentObject private var model: ObservedModel
    @State private var refused = false

    var body: some View {
        Page(instruction: view.instruction) {
            TemplatePhoto(jpeg: photo, subject: subject)
            // The steps ahead, in order, so nothing on the next screen is a surprise.
            ForEach(Array(actions.enumerated()), id: \.offset) { i, action in
                IconLine("\(i + 1). \(l.action(action))", actionSymbol(action), font: .title3, id: "camera-step-\(i)")
            }
            BigButton(l.allowCamera, "camera", id: "camera-allow", enabled: !view.busy) { openCamera() }
            // Once refused, iOS does not ask again: only Settings can allow it.
            if refused {
                BigButton(l.openSystemSettings, "gear", id: "camera-open-settings", prominent: false) {
                    if let url = URL(string: UIApplication.openSettingsURLString) { UIApplication.shared.open(url) }
                }
            }
        }
    }

    private func openCamera() {
        switch AVCaptureDevice.authorizationStatus(for: .video) {
        case .authorized:
            model.send(.cameraReady)
        case .notDetermined:
            Task { @MainActor in
                if await AVCaptureDevice.requestAccess(for: .video) { model.send(.cameraReady) } else { refused = true }
            }
        default:
            refused = true
        }
    }
}

private struct CapturePage: View {
    let update: LivenessUpdate
    let l: ScreenLabels
    @EnvironmentObject private var model: ObservedModel

    /// The light check: while the core learns the neutral face it names
    /// colours for the screen to shine on the face (docs/liveness.md).
    private var light: Color? {
        update.screenColour.map { Color(red: Double($0.red) / 255, green: Double($0.green) / 255, blue: Double($0.blue) / 255) }
    }

    var body: some View {
        VStack(spacing: 0) {
            GeometryReader { geo in
                let diameter = min(geo.size.width, geo.size.height) * 0.8
                let hole = CGRect(x: (geo.size.width - diameter) / 2, y: (geo.size.height - diameter) / 2, width: diameter, height: diameter)
                ZStack {
                    // The view model runs the camera while this screen is up; a
                    // recorded clip (test builds) has no preview.
                    Group {
                        if let feed = model.camera as? CameraFeed {
                            CameraPreview(session: feed.session)
                        } else {
                            Color.black
                        }
                    }
                    .accessibilityElement()
                    .accessibilityIdentifier("capture-camera")
                    .accessibilityLabel(Text(update.prompt.display))
                    // Dim everything but the circle the face goes in.
                    Path { path in
                        path.addRect(CGRect(origin: .zero, size: geo.size))
                        path.addEllipse(in: hole)
                    }
                    .fill(light ?? Color.black.opacity(0.55), style: FillStyle(eoFill: true))
                    .accessibilityHidden(true)
                    // The circle's rim is the progress ring.
                    ZStack {
                        Circle()
                            .stroke(Color.white.opacity(0.4), lineWidth: 12)
                        Circle()
                            .trim(from: 0, to: CGFloat(update.progress))
                            .stroke(Color.accentColor, style: StrokeStyle(lineWidth: 12, lineCap: .round))
                            .rotationEffect(.degrees(-90))
                            .animation(.easeOut, value: update.progress)
                    }
                    .frame(width: diameter, height: diameter)
                    .accessibilityElement()
                    .accessibilityIdentifier("capture-progress")
                    .accessibilityValue("\(Int((update.progress * 100).rounded())) %")
                }
            }
            VStack(alignment: .leading, spacing: 8) {
                // VoiceOver reads each new prompt (announced by the Speaker; the app's own voice is quiet then).
                Text(update.prompt.display).font(.largeTitle.bold()).accessibilityIdentifier("capture-prompt")
                    .accessibilityAddTraits(.updatesFrequently)
                if update.totalSteps > 0 {
                    Text(l.step(update.doneSteps, update.totalSteps)).font(.title2).accessibilityIdentifier("capture-step")
                }
            }
            .frame(maxWidth: .infinity, alignment: .leading)
            .padding(24)
        }
        .background(light ?? Color.clear)
    }
}

/// The front camera's preview; the layer mirrors it for the person.
private struct CameraPreview: UIViewRepresentable {
    let session: AVCaptureSession

    func makeUIView(context: Context) -> PreviewView {
        let view = PreviewView()
        view.previewLayer.session = session
        view.previewLayer.videoGravity = .resizeAspectFill
        return view
    }

    func updateUIView(_ uiView: PreviewView, context: Context) {}

    final class PreviewView: UIView {
        override class var layerClass: AnyClass { AVCaptureVideoPreviewLayer.self }
        var previewLayer: AVCaptureVideoPreviewLayer { layer as! AVCaptureVideoPreviewLayer }
    }
}

private struct RecordRowView: View {
    let row: RecordRow
    let l: ScreenLabels
    let id: String

    var body: some View {
        VStack(alignment: .leading, spacing: 6) {
            // `summary` already starts with ✔ / ✘ / …: state in words and a sign.
            IconLine(row.summary.display, resultSymbol(row.kind), font: .title3.bold())
            Text(row.subjectName).font(.headline)
            Text(row.by.display)
            Text(l.date(row.date))
            if let advice = row.advice { IconLine(advice.display, "lightbulb") }
            if row.receiptVerified { IconLine(l.receiptVerified, "checkmark.seal.fill") }
        }
        .frame(maxWidth: .infinity, alignment: .leading)
        .padding()
        .background(RoundedRectangle(cornerRadius: 12).fill(Color(.secondarySystemBackground)))
        .accessibilityElement(children: .combine)
        .accessibilityIdentifier(id)
    }
}

private struct SettingsPage: View {
    let view: AppView
    let l: ScreenLabels
    @EnvironmentObject private var model: ObservedModel

    var body: some View {
        Page(instruction: view.instruction) {
            IconLine(l.language, "globe", font: .title3.bold())
            ForEach(ScreenLabels.languages, id: \.self) { language in
                let selected = view.language == language
                Button { model.send(.setLanguage(language: language)) } label: {
                    // The tick, not a colour, shows the choice.
                    Label(ScreenLabels.name(of: language), systemImage: selected ? "checkmark.circle.fill" : "circle")
                        .font(.title3)
                        .frame(maxWidth: .infinity, minHeight: minTouch, alignment: .leading)
                }
                .accessibilityAddTraits(selected ? .isSelected : [])
                .accessibilityIdentifier("settings-language-\(languageId(language))")
            }
            Divider()
            Toggle(isOn: Binding(get: { view.largeText }, set: { model.send(.setLargeText(on: $0)) })) {
                Label(l.largeText, systemImage: "textformat.size").font(.title3)
            }
            .frame(minHeight: minTouch)
            .accessibilityIdentifier("settings-large-text")
            Toggle(isOn: Binding(get: { view.voiceOn }, set: { model.send(.setVoice(on: $0)) })) {
                Label(l.voice, systemImage: "speaker.wave.2").font(.title3)
            }
            .frame(minHeight: minTouch)
            .accessibilityIdentifier("settings-voice")
            Divider()
            BigButton(l.logOut, "rectangle.portrait.and.arrow.right", id: "settings-log-out", prominent: false) { model.send(.logOut) }
        }
    }
}

// MARK: - Building blocks

/// A scrolling page: the core's instruction first (when it is not the page's own message).
private struct Page<Content: View>: View {
    let instruction: Message?
    let content: Content

    init(instruction: Message?, @ViewBuilder content: () -> Content) {
        self.instruction = instruction
        self.content = content()
    }

    var body: some View {
        ScrollView {
            VStack(alignment: .leading, spacing: 16) {
                if let instruction {
                    Text(instruction.display).font(.title2).accessibilityIdentifier("instruction")
                }
                content
            }
            .frame(maxWidth: .infinity, alignment: .leading)
            .padding()
        }
    }
}

private struct ProblemBanner: View {
    let message: Message

    var body: some View {
        IconLine(message.display, "exclamationmark.triangle.fill", font: .headline, id: "problem")
            .frame(maxWidth: .infinity, alignment: .leading)
            .padding()
            .background(Color.red.opacity(0.15))
    }
}

/// Words with a symbol beside them; VoiceOver reads the words.
private struct IconLine: View {
    let text: String
    let symbol: String
    var font: Font = .body
    /// The UI tests' handle on it ("" when they read none).
    var id = ""

    init(_ text: String, _ symbol: String, font: Font = .body, id: String = "") {
        self.text = text
        self.symbol = symbol
        self.font = font
        self.id = id
    }

    var body: some View {
        Label(text, systemImage: symbol).font(font).accessibilityIdentifier(id)
    }
}

private struct BigButton: View {
    let title: String
    let symbol: String
    /// The UI tests' handle on it.
    let id: String
    var prominent = true
    var enabled = true
    let action: () -> Void

    init(_ title: String, _ symbol: String, id: String, prominent: Bool = true, enabled: Bool = true, action: @escaping () -> Void) {
        self.title = title
        self.symbol = symbol
        self.id = id
        self.prominent = prominent
        self.enabled = enabled
        self.action = action
    }

    var body: some View {
        let button = Button(action: action) {
            Label(title, systemImage: symbol)
                .font(.title3.weight(.semibold))
                .frame(maxWidth: .infinity, minHeight: minTouch)
        }
        .disabled(!enabled)
        .accessibilityIdentifier(id)
        if prominent {
            button.buttonStyle(.borderedProminent)
        } else {
            button.buttonStyle(.bordered)
        }
    }
}

/// A labelled field: the label stays above it (a placeholder vanishes while typing).
private struct Field: View {
    let label: String
    @Binding var text: String
    /// The UI tests' handle on the text field.
    let id: String
    var secret = false

    init(_ label: String, text: Binding<String>, id: String, secret: Bool = false) {
        self.label = label
        self._text = text
        self.id = id
        self.secret = secret
    }

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            Text(label).font(.headline)
            Group {
                if secret {
                    SecureField(label, text: $text)
                } else {
                    TextField(label, text: $text)
                }
            }
            .font(.title3)
            .textFieldStyle(.roundedBorder)
            .frame(minHeight: minTouch)
            .accessibilityIdentifier(id)
        }
    }
}

private extension View {
    /// ID numbers end in a digit or X.
    func idNumberKeyboard() -> some View {
        keyboardType(.asciiCapable)
            .textInputAutocapitalization(.characters)
            .autocorrectionDisabled()
    }
}

/// One person: name, relation, masked ID, and the status in words with a symbol.
private struct PersonCardView: View {
    let card: PersonCard
    var chevron = false
    /// The UI tests' handle on it ("" inside a button that has its own).
    var id = ""

    var body: some View {
        HStack {
            VStack(alignment: .leading, spacing: 4) {
                Text(card.name).font(.title2.bold())
                Text(card.relation.display).font(.headline)
                Text(card.idMasked)
                IconLine(card.status.display, statusSymbol(card))
                ForEach(card.notes, id: \.key) { Text($0.display) }
            }
            Spacer(minLength: 0)
            if chevron { Image(systemName: "chevron.right").accessibilityHidden(true) }
        }
        .frame(maxWidth: .infinity, minHeight: minTouch, alignment: .leading)
        .padding()
        .background(RoundedRectangle(cornerRadius: 12).fill(Color(.secondarySystemBackground)))
        .accessibilityElement(children: .combine)
        .accessibilityIdentifier(id)
    }
}

/// The language's part of its settings id (settings-language-zh-hans, ...).
private func languageId(_ language: Language) -> String {
    switch language {
    case .zhHans: return "zh-hans"
    case .zhHant: return "zh-hant"
    case .en: return "en"
    }
}

private func statusSymbol(_ card: PersonCard) -> String {
    if card.bindingPending { return "hourglass" }
    switch card.statusKind {
    case .upToDate: return "checkmark.circle.fill"
    case .due: return "clock.fill"
    case .suspended: return "pause.circle.fill"
    case .stopped: return "nosign"
    case .notInScope: return "info.circle.fill"
    }
}

private func resultSymbol(_ kind: ResultKind) -> String {
    switch kind {
    case .passed: return "checkmark.circle.fill"
    case .failed: return "xmark.octagon.fill"
    case .pendingReview: return "hourglass"
    }
}

/// Colour only reinforces the symbol and the words beside it.
private func resultTint(_ kind: ResultKind) -> Color {
    switch kind {
    case .passed: return .green
    case .failed: return .red
    case .pendingReview: return .secondary
    }
}

private func actionSymbol(_ action: LifeCertCore.Action) -> String {
    switch action {
    case .blink: return "eye"
    case .openMouth: return "mouth"
    // The preview is a mirror: the person's own left is the screen's left.
    case .turnLeft: return "arrow.left"
    case .turnRight: return "arrow.right"
    case .nod: return "arrow.up.and.down"
    }
}
