import Foundation
import LifeCertCore

/// Button, field and icon labels, all from the core (src/flow/labels.rs) so
/// every shell uses the core's wording in its three languages. This type only
/// gives the views short names for them; it holds no text of its own.
public struct ScreenLabels: Sendable {
    public let logIn: String
    public let register: String
    public let name: String
    public let idNumber: String
    public let password: String
    public let mobile: String
    public let mobileAgain: String
    public let acceptTerms: String
    public let relation: String
    public let start: String
    public let addRelative: String
    public let records: String
    public let settings: String
    public let refresh: String
    public let logOut: String
    public let accept: String
    public let agree: String
    public let decline: String
    public let allowCamera: String
    public let openSystemSettings: String
    public let retry: String
    public let home: String
    public let sendNow: String
    public let back: String
    public let receiptVerified: String
    public let largeText: String
    public let voice: String
    public let language: String
    public let updateContact: String
    public let address: String
    public let postCode: String
    public let save: String
    public let done: String
    public let startupFailed: String
    public let queued: @Sendable (UInt32) -> String
    public let step: @Sendable (_ done: UInt32, _ total: UInt32) -> String
    public let kind: @Sendable (ResultKind) -> String
    public let action: @Sendable (Action) -> String
    public let date: @Sendable (CalendarDate) -> String
    public let nextDue: @Sendable (CalendarDate) -> String

    public static func of(_ language: Language) -> ScreenLabels {
        let c = LifeCertCore.labels(language: language)
        let say: @Sendable (Labelled) -> String = { LifeCertCore.label(of: $0, language: language) }
        return ScreenLabels(
            logIn: c.logIn,
            register: c.register,
            name: c.name,
            idNumber: c.idNumber,
            password: c.password,
            mobile: c.mobile,
            mobileAgain: c.mobileAgain,
            acceptTerms: c.acceptTerms,
            relation: c.relation,
            start: c.start,
            addRelative: c.addRelative,
            records: c.records,
            settings: c.settings,
            refresh: c.refresh,
            logOut: c.logOut,
            accept: c.accept,
            agree: c.agree,
            decline: c.decline,
            allowCamera: c.allowCamera,
            openSystemSettings: c.openSystemSettings,
            retry: c.retry,
            home: c.home,
            sendNow: c.sendNow,
            back: c.back,
            receiptVerified: c.receiptVerified,
            largeText: c.largeText,
            voice: c.voice,
            language: c.language,
            updateContact: c.updateContact,
            address: c.address,
            postCode: c.postCode,
            save: c.save,
            done: c.done,
            startupFailed: c.startupFailed,
            queued: { say(.queuedUploads(count: $0)) },
            step: { say(.stepOf(done: $0, total: $1)) },
            kind: { say(.resultName(kind: $0)) },
            action: { say(.actionName(action: $0)) },
            date: { say(.dateText(date: $0)) },
            nextDue: { say(.nextDue(date: $0)) }
        )
    }

    public static let languages: [Language] = [.zhHans, .zhHant, .en]

    /// Each language names itself, whatever the current language.
    public static func name(of language: Language) -> String {
        switch language {
        case .zhHans: return "简体中文"
        case .zhHant: return "繁體中文"
        case .en: return "English"
        }
    }
}
