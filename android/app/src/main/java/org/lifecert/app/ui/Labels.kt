package org.lifecert.app.ui

import org.lifecert.core.Action
import org.lifecert.core.CalendarDate
import org.lifecert.core.Language
import org.lifecert.core.ResultKind

/**
 * Button, field and icon labels. The core's views carry titles, instructions
 * and results, but not the words on buttons and form fields, so these few live
 * here, in the core's three languages and echoing its wording ("开始认证",
 * "同意", "✔ 认证通过"). They should move into the core (e.g. labels on AppView)
 * so every shell says the same; until then keep them in step with flow/texts.rs.
 */
class Labels(
    val logIn: String,
    val register: String,
    val name: String,
    val idNumber: String,
    val password: String,
    val mobile: String,
    val mobileAgain: String,
    val acceptTerms: String,
    val relation: String,
    val start: String,
    val addRelative: String,
    val records: String,
    val settings: String,
    val refresh: String,
    val logOut: String,
    val accept: String,
    val agree: String,
    val decline: String,
    val allowCamera: String,
    val openSystemSettings: String,
    val retry: String,
    val home: String,
    val sendNow: String,
    val back: String,
    val receiptVerified: String,
    val largeText: String,
    val voice: String,
    val language: String,
    val startupFailed: String,
    val queued: (UInt) -> String,
    val step: (done: UInt, total: UInt) -> String,
    val kind: (ResultKind) -> String,
    val action: (Action) -> String,
    val date: (CalendarDate) -> String,
    val nextDue: (CalendarDate) -> String,
)

/** Each language names itself, whatever the current language. */
val languageNames = listOf(Language.ZH_HANS to "简体中文", Language.ZH_HANT to "繁體中文", Language.EN to "English")

fun labelsFor(language: Language): Labels = when (language) {
    Language.ZH_HANS -> zhHans
    Language.ZH_HANT -> zhHant
    Language.EN -> en
}

private val zhHans = Labels(
    logIn = "登录",
    register = "注册",
    name = "姓名",
    idNumber = "身份证号码",
    password = "密码",
    mobile = "手机号码",
    mobileAgain = "再次输入手机号码",
    acceptTerms = "我已阅读并同意用户协议和隐私政策",
    relation = "与您的关系（如：母亲）",
    start = "开始认证",
    addRelative = "添加亲属",
    records = "认证记录",
    settings = "设置",
    refresh = "刷新",
    logOut = "退出登录",
    accept = "同意",
    agree = "同意",
    decline = "不同意",
    allowCamera = "打开相机，开始认证",
    openSystemSettings = "到系统设置里允许使用相机",
    retry = "再试一次",
    home = "回到首页",
    sendNow = "现在发送",
    back = "返回",
    receiptVerified = "回执已核验",
    largeText = "大字体",
    voice = "语音播报",
    language = "语言",
    startupFailed = "应用无法启动，请重新打开。如果仍然不行，请联系社保经办机构。",
    queued = { n -> "有${n}条认证已保存在手机上，等待网络发送" },
    step = { done, total -> "第${done}步，共${total}步" },
    kind = { k -> when (k) { ResultKind.PASSED -> "认证通过"; ResultKind.FAILED -> "未通过"; ResultKind.PENDING_REVIEW -> "审核中" } },
    action = { a ->
        when (a) {
            Action.BLINK -> "眨眨眼"
            Action.OPEN_MOUTH -> "张张嘴"
            Action.TURN_LEFT -> "向左转头"
            Action.TURN_RIGHT -> "向右转头"
            Action.NOD -> "点点头"
        }
    },
    date = { d -> "${d.year}年${d.month}月${d.day}日" },
    nextDue = { d -> "下次认证截止日期：${d.year}年${d.month}月${d.day}日" },
)

private val zhHant = Labels(
    logIn = "登入",
    register = "註冊",
    name = "姓名",
    idNumber = "身分證號碼",
    password = "密碼",
    mobile = "手機號碼",
    mobileAgain = "再次輸入手機號碼",
    acceptTerms = "我已閱讀並同意用戶協議和隱私政策",
    relation = "與您的關係（如：母親）",
    start = "開始認證",
    addRelative = "添加親屬",
    records = "認證記錄",
    settings = "設定",
    refresh = "重新整理",
    logOut = "登出",
    accept = "同意",
    agree = "同意",
    decline = "不同意",
    allowCamera = "打開相機，開始認證",
    openSystemSettings = "到系統設定裡允許使用相機",
    retry = "再試一次",
    home = "回到首頁",
    sendNow = "現在發送",
    back = "返回",
    receiptVerified = "回執已核驗",
    largeText = "大字體",
    voice = "語音播報",
    language = "語言",
    startupFailed = "應用無法啟動，請重新打開。如果仍然不行，請聯繫社保經辦機構。",
    queued = { n -> "有${n}條認證已保存在手機上，等待網路發送" },
    step = { done, total -> "第${done}步，共${total}步" },
    kind = { k -> when (k) { ResultKind.PASSED -> "認證通過"; ResultKind.FAILED -> "未通過"; ResultKind.PENDING_REVIEW -> "審核中" } },
    action = { a ->
        when (a) {
            Action.BLINK -> "眨眨眼"
            Action.OPEN_MOUTH -> "張張嘴"
            Action.TURN_LEFT -> "向左轉頭"
            Action.TURN_RIGHT -> "向右轉頭"
            Action.NOD -> "點點頭"
        }
    },
    date = { d -> "${d.year}年${d.month}月${d.day}日" },
    nextDue = { d -> "下次認證截止日期：${d.year}年${d.month}月${d.day}日" },
)

private val en = Labels(
    logIn = "Log in",
    register = "Register",
    name = "Name",
    idNumber = "ID card number",
    password = "Password",
    mobile = "Mobile number",
    mobileAgain = "Mobile number again",
    acceptTerms = "I have read and accept the terms and the privacy policy",
    relation = "Relation to you (e.g. mother)",
    start = "Start",
    addRelative = "Add a relative",
    records = "Records",
    settings = "Settings",
    refresh = "Refresh",
    logOut = "Log out",
    accept = "Agree",
    agree = "I agree",
    decline = "I do not agree",
    allowCamera = "Open the camera and start",
    openSystemSettings = "Allow the camera in the phone's settings",
    retry = "Try again",
    home = "Back to home",
    sendNow = "Send now",
    back = "Back",
    receiptVerified = "Receipt verified",
    largeText = "Large text",
    voice = "Spoken prompts",
    language = "Language",
    startupFailed = "The app could not start. Please open it again. If it still does not work, contact the social insurance office.",
    queued = { n -> if (n == 1u) "1 certification saved on this phone, waiting for the network" else "$n certifications saved on this phone, waiting for the network" },
    step = { done, total -> "Step $done of $total" },
    kind = { k -> when (k) { ResultKind.PASSED -> "Passed"; ResultKind.FAILED -> "Not passed"; ResultKind.PENDING_REVIEW -> "In review" } },
    action = { a ->
        when (a) {
            Action.BLINK -> "Blink"
            Action.OPEN_MOUTH -> "Open your mouth"
            Action.TURN_LEFT -> "Turn your head to your left"
            Action.TURN_RIGHT -> "Turn your head to your right"
            Action.NOD -> "Nod"
        }
    },
    date = { d -> isoDate(d) },
    nextDue = { d -> "Next certification due by ${isoDate(d)}" },
)

private fun isoDate(d: CalendarDate) = "%04d-%02d-%02d".format(d.year, d.month.toInt(), d.day.toInt())
