import Foundation
import LifeCertCore

/// Button, field and icon labels. The core's views carry titles, instructions
/// and results, but not the words on buttons and form fields, so these few live
/// here, in the core's three languages and echoing its wording ("开始认证",
/// "同意", "✔ 认证通过"). They should move into the core (e.g. labels on AppView)
/// so every shell says the same; until then keep them in step with
/// src/flow/texts.rs and android/.../ui/Labels.kt.
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
        switch language {
        case .zhHans: return zhHans
        case .zhHant: return zhHant
        case .en: return en
        }
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

    private static let zhHans = Labels(
        logIn: "登录",
        register: "注册",
        name: "姓名",
        idNumber: "身份证号码",
        password: "密码",
        mobile: "手机号码",
        mobileAgain: "再次输入手机号码",
        acceptTerms: "我已阅读并同意用户协议和隐私政策",
        relation: "与您的关系（如：母亲）",
        start: "开始认证",
        addRelative: "添加亲属",
        records: "认证记录",
        settings: "设置",
        refresh: "刷新",
        logOut: "退出登录",
        accept: "同意",
        agree: "同意",
        decline: "不同意",
        allowCamera: "打开相机，开始认证",
        openSystemSettings: "到系统设置里允许使用相机",
        retry: "再试一次",
        home: "回到首页",
        sendNow: "现在发送",
        back: "返回",
        receiptVerified: "回执已核验",
        largeText: "大字体",
        voice: "语音播报",
        language: "语言",
        startupFailed: "应用无法启动，请重新打开。如果仍然不行，请联系社保经办机构。",
        queued: { "有\($0)条认证已保存在手机上，等待网络发送" },
        step: { "第\($0)步，共\($1)步" },
        kind: {
            switch $0 {
            case .passed: return "认证通过"
            case .failed: return "未通过"
            case .pendingReview: return "审核中"
            }
        },
        action: {
            switch $0 {
            case .blink: return "眨眨眼"
            case .openMouth: return "张张嘴"
            case .turnLeft: return "向左转头"
            case .turnRight: return "向右转头"
            case .nod: return "点点头"
            }
        },
        date: { "\($0.year)年\($0.month)月\($0.day)日" },
        nextDue: { "下次认证截止日期：\($0.year)年\($0.month)月\($0.day)日" }
    )

    private static let zhHant = Labels(
        logIn: "登入",
        register: "註冊",
        name: "姓名",
        idNumber: "身分證號碼",
        password: "密碼",
        mobile: "手機號碼",
        mobileAgain: "再次輸入手機號碼",
        acceptTerms: "我已閱讀並同意用戶協議和隱私政策",
        relation: "與您的關係（如：母親）",
        start: "開始認證",
        addRelative: "添加親屬",
        records: "認證記錄",
        settings: "設定",
        refresh: "重新整理",
        logOut: "登出",
        accept: "同意",
        agree: "同意",
        decline: "不同意",
        allowCamera: "打開相機，開始認證",
        openSystemSettings: "到系統設定裡允許使用相機",
        retry: "再試一次",
        home: "回到首頁",
        sendNow: "現在發送",
        back: "返回",
        receiptVerified: "回執已核驗",
        largeText: "大字體",
        voice: "語音播報",
        language: "語言",
        startupFailed: "應用無法啟動，請重新打開。如果仍然不行，請聯繫社保經辦機構。",
        queued: { "有\($0)條認證已保存在手機上，等待網路發送" },
        step: { "第\($0)步，共\($1)步" },
        kind: {
            switch $0 {
            case .passed: return "認證通過"
            case .failed: return "未通過"
            case .pendingReview: return "審核中"
            }
        },
        action: {
            switch $0 {
            case .blink: return "眨眨眼"
            case .openMouth: return "張張嘴"
            case .turnLeft: return "向左轉頭"
            case .turnRight: return "向右轉頭"
            case .nod: return "點點頭"
            }
        },
        date: { "\($0.year)年\($0.month)月\($0.day)日" },
        nextDue: { "下次認證截止日期：\($0.year)年\($0.month)月\($0.day)日" }
    )

    private static let en = Labels(
        logIn: "Log in",
        register: "Register",
        name: "Name",
        idNumber: "ID card number",
        password: "Password",
        mobile: "Mobile number",
        mobileAgain: "Mobile number again",
        acceptTerms: "I have read and accept the terms and the privacy policy",
        relation: "Relation to you (e.g. mother)",
        start: "Start",
        addRelative: "Add a relative",
        records: "Records",
        settings: "Settings",
        refresh: "Refresh",
        logOut: "Log out",
        accept: "Agree",
        agree: "I agree",
        decline: "I do not agree",
        allowCamera: "Open the camera and start",
        openSystemSettings: "Allow the camera in the phone's settings",
        retry: "Try again",
        home: "Back to home",
        sendNow: "Send now",
        back: "Back",
        receiptVerified: "Receipt verified",
        largeText: "Large text",
        voice: "Spoken prompts",
        language: "Language",
        startupFailed: "The app could not start. Please open it again. If it still does not work, contact the social insurance office.",
        queued: { $0 == 1 ? "1 certification saved on this phone, waiting for the network" : "\($0) certifications saved on this phone, waiting for the network" },
        step: { "Step \($0) of \($1)" },
        kind: {
            switch $0 {
            case .passed: return "Passed"
            case .failed: return "Not passed"
            case .pendingReview: return "In review"
            }
        },
        action: {
            switch $0 {
            case .blink: return "Blink"
            case .openMouth: return "Open your mouth"
            case .turnLeft: return "Turn your head to your left"
            case .turnRight: return "Turn your head to your right"
            case .nod: return "Nod"
            }
        },
        date: isoDate,
        nextDue: { "Next certification due by \(isoDate($0))" }
    )
}

private func isoDate(_ d: CalendarDate) -> String {
    String(format: "%04d-%02d-%02d", Int(d.year), Int(d.month), Int(d.day))
}
