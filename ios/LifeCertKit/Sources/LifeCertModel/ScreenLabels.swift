import Foundation
import LifeCertCore

/// Button, field and icon labels, all from the core (src/flow/labels.rs) so
/// every shell uses the core's wording in its three languages. This type only
/// gives the views short names for them; it holds no text of its own.
struct Labels: Sendable {
    let logIn: String
    let register: String
    let name: String
    let idNumber: String
    let password: String
    let mobile: String
    let mobileAgain: String
    let acceptTerms: String
    let relation: String
    let start: String
    let addRelative: String
    let records: String
    let settings: String
    let refresh: String
    let logOut: String
    let accept: String
    let agree: String
    let decline: String
    let allowCamera: String
    let openSystemSettings: String
    let retry: String
    let home: String
    let sendNow: String
    let back: String
    let receiptVerified: String
    let largeText: String
    let voice: String
    let language: String
    let startupFailed: String
    let queued: @Sendable (UInt32) -> String
    let step: @Sendable (_ done: UInt32, _ total: UInt32) -> String
    let kind: @Sendable (ResultKind) -> String
    let action: @Sendable (Action) -> String
    let date: @Sendable (CalendarDate) -> String
    let nextDue: @Sendable (CalendarDate) -> String

    static func of(_ language: Language) -> Labels {
        let c = LifeCertCore.labels(language: language)
        let say: @Sendable (Labelled) -> String = { LifeCertCore.label(of: $0, language: language) }
        return Labels(
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
            startupFailed: c.startupFailed,
            queued: { say(.queuedUploads(count: $0)) },
            step: { say(.stepOf(done: $0, total: $1)) },
            kind: { say(.resultName(kind: $0)) },
            action: { say(.actionName(action: $0)) },
            date: { say(.dateText(date: $0)) },
            nextDue: { say(.nextDue(date: $0)) }
        )
    }

    static let languages: [Language] = [.zhHans, .zhHant, .en]

    /// Each language names itself, whatever the current language.
    static func name(of language: Language) -> String {
        switch language {
        case .zhHans: return "简体中文"
        case .zhHant: return "繁體中文"
        case .en: return "English"
        }
    }
}
