//! The words on buttons and form fields, in the core's three languages, so
//! every shell says the same thing with the same wording as the core's
//! titles and instructions ("开始认证", "同意"). Shells take them from
//! [`labels`] and [`label`]; they keep no translation tables of their own.

use super::view::ResultKind;
use lifecert_domain::i18n::{say_date, Language};
use lifecert_domain::rules::date::CalendarDate;
use lifecert_domain::tr;
use lifecert_liveness::liveness::Action;

/// Fixed labels for one language.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Labels {
    pub log_in: String,
    pub register: String,
    pub name: String,
    pub id_number: String,
    pub password: String,
    pub mobile: String,
    pub mobile_again: String,
    pub accept_terms: String,
    pub relation: String,
    pub start: String,
    pub add_relative: String,
    pub records: String,
    pub settings: String,
    pub refresh: String,
    pub log_out: String,
    /// Accepting a relative's binding request.
    pub accept: String,
    /// Agreeing to the consent points before a capture.
    pub agree: String,
    pub decline: String,
    pub allow_camera: String,
    pub open_system_settings: String,
    pub retry: String,
    pub home: String,
    pub send_now: String,
    pub back: String,
    pub receipt_verified: String,
    /// Under the receipt's QR code.
    pub receipt_code: String,
    pub large_text: String,
    pub voice: String,
    /// Shown when the phone has no voice for the language: the words are on
    /// the screen only.
    pub voice_missing: String,
    pub language: String,
    /// Opens the contact form (Home, a result).
    pub update_contact: String,
    pub address: String,
    pub post_code: String,
    /// Sends the contact form.
    pub save: String,
    /// Leaves the contact form once saved.
    pub done: String,
    /// Shown when the core could not be created at all.
    pub startup_failed: String,
}

/// A label that carries a value.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Labelled {
    QueuedUploads { count: u32 },
    StepOf { done: u32, total: u32 },
    ResultName { kind: ResultKind },
    ActionName { action: Action },
    DateText { date: CalendarDate },
    NextDue { date: CalendarDate },
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
pub fn labels(language: Language) -> Labels {
    let l = language;
    Labels {
        log_in: tr!(l, "登录", "登入", "Log in"),
        register: tr!(l, "注册", "註冊", "Register"),
        name: tr!(l, "姓名", "姓名", "Name"),
        id_number: tr!(l, "身份证号码", "身分證號碼", "ID card number"),
        password: tr!(l, "密码", "密碼", "Password"),
        mobile: tr!(l, "手机号码", "手機號碼", "Mobile number"),
        mobile_again: tr!(l, "再次输入手机号码", "再次輸入手機號碼", "Mobile number again"),
        accept_terms: tr!(
            l,
            "我已阅读并同意用户协议和隐私政策",
            "我已閱讀並同意用戶協議和隱私政策",
            "I have read and accept the terms and the privacy policy"
        ),
        relation: tr!(
            l,
            "与您的关系（如：母亲）",
            "與您的關係（如：母親）",
            "Relation to you (e.g. mother)"
        ),
        start: tr!(l, "开始认证", "開始認證", "Start"),
        add_relative: tr!(l, "添加亲属", "添加親屬", "Add a relative"),
        records: tr!(l, "认证记录", "認證記錄", "Records"),
        settings: tr!(l, "设置", "設定", "Settings"),
        refresh: tr!(l, "刷新", "重新整理", "Refresh"),
        log_out: tr!(l, "退出登录", "登出", "Log out"),
        accept: tr!(l, "同意", "同意", "Agree"),
        agree: tr!(l, "同意", "同意", "I agree"),
        decline: tr!(l, "不同意", "不同意", "I do not agree"),
        allow_camera: tr!(
            l,
            "打开相机，开始认证",
            "打開相機，開始認證",
            "Open the camera and start"
        ),
        open_system_settings: tr!(
            l,
            "到系统设置里允许使用相机",
            "到系統設定裡允許使用相機",
            "Allow the camera in the phone's settings"
        ),
        retry: tr!(l, "再试一次", "再試一次", "Try again"),
        home: tr!(l, "回到首页", "回到首頁", "Back to home"),
        send_now: tr!(l, "现在发送", "現在發送", "Send now"),
        back: tr!(l, "返回", "返回", "Back"),
        update_contact: tr!(
            l,
            "修改地址和电话",
            "修改地址和電話",
            "Change address and phone"
        ),
        address: tr!(
            l,
            "通讯地址（省、市、区、街道、门牌号）",
            "通訊地址（省、市、區、街道、門牌號）",
            "Postal address (province, city, district, street, number)"
        ),
        post_code: tr!(l, "邮政编码", "郵政編碼", "Post code"),
        save: tr!(l, "保存", "保存", "Save"),
        done: tr!(l, "完成", "完成", "Done"),
        receipt_verified: tr!(l, "回执已核验", "回執已核驗", "Receipt verified"),
        receipt_code: tr!(
            l,
            "在银行或社保窗口出示这个二维码，工作人员扫码即可核验认证结果",
            "在銀行或社保窗口出示這個二維碼，工作人員掃碼即可核驗認證結果",
            "Show this code at a bank or social insurance counter: staff scan it to check the result"
        ),
        large_text: tr!(l, "大字体", "大字體", "Large text"),
        voice: tr!(l, "语音播报", "語音播報", "Spoken prompts"),
        voice_missing: tr!(
            l,
            "这部手机没有中文语音，请看屏幕上的文字。可以在手机设置里下载语音。",
            "這部手機沒有中文語音，請看螢幕上的文字。可以在手機設定裡下載語音。",
            "This phone has no voice for English. Please read the words on the screen; a voice can be added in the phone's settings."
        ),
        language: tr!(l, "语言", "語言", "Language"),
        startup_failed: tr!(
            l,
            "应用无法启动，请重新打开。如果仍然不行，请联系社保经办机构。",
            "應用無法啟動，請重新打開。如果仍然不行，請聯繫社保經辦機構。",
            "The app could not start. Please open it again. If it still does not work, contact the social insurance office."
        ),
    }
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
pub fn label(of: Labelled, language: Language) -> String {
    let l = language;
    let date = |d: CalendarDate| say_date(l, d.year, d.month as u32, d.day as u32);
    match of {
        Labelled::QueuedUploads { count: 1 } => tr!(
            l,
            "有1条认证已保存在手机上，等待网络发送",
            "有1條認證已保存在手機上，等待網絡發送",
            "1 certification saved on this phone, waiting for the network"
        ),
        Labelled::QueuedUploads { count } => tr!(
            l,
            "有{}条认证已保存在手机上，等待网络发送",
            "有{}條認證已保存在手機上，等待網絡發送",
            "{} certifications saved on this phone, waiting for the network",
            count
        ),
        Labelled::StepOf { done, total } => tr!(
            l,
            "第{}步，共{}步",
            "第{}步，共{}步",
            "Step {} of {}",
            done,
            total
        ),
        Labelled::ResultName { kind } => match kind {
            ResultKind::Passed => tr!(l, "认证通过", "認證通過", "Passed"),
            ResultKind::Failed => tr!(l, "未通过", "未通過", "Not passed"),
            ResultKind::PendingReview => tr!(l, "审核中", "審核中", "In review"),
        },
        Labelled::ActionName { action } => match action {
            Action::Blink => tr!(l, "眨眨眼", "眨眨眼", "Blink"),
            Action::OpenMouth => tr!(l, "张张嘴", "張張嘴", "Open your mouth"),
            Action::TurnLeft => tr!(l, "向左转头", "向左轉頭", "Turn your head to your left"),
            Action::TurnRight => tr!(l, "向右转头", "向右轉頭", "Turn your head to your right"),
            Action::Nod => tr!(l, "点点头", "點點頭", "Nod"),
        },
        Labelled::DateText { date: d } => date(d),
        Labelled::NextDue { date: d } => tr!(
            l,
            "下次认证截止日期：{}",
            "下次認證截止日期：{}",
            "Next certification due by {}",
            date(d)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Language; 3] = [Language::ZhHans, Language::ZhHant, Language::En];

    #[test]
    fn every_label_has_text_in_every_language_and_the_languages_differ() {
        for l in ALL {
            let dbg = format!("{:?}", labels(l));
            assert!(!dbg.contains("\"\""), "{l:?}: an empty label in {dbg}");
        }
        assert_ne!(labels(Language::ZhHans), labels(Language::ZhHant));
        assert_eq!(labels(Language::En).start, "Start");
        assert_eq!(labels(Language::ZhHans).start, "开始认证");
    }

    #[test]
    fn labels_with_values_say_the_value() {
        let d = CalendarDate {
            year: 2026,
            month: 3,
            day: 9,
        };
        assert_eq!(
            label(Labelled::StepOf { done: 2, total: 3 }, Language::ZhHans),
            "第2步，共3步"
        );
        assert!(label(Labelled::NextDue { date: d }, Language::ZhHant).contains("2026年3月9日"));
        assert!(label(Labelled::NextDue { date: d }, Language::En).contains("9 March 2026"));
        assert!(label(Labelled::QueuedUploads { count: 1 }, Language::En)
            .starts_with("1 certification "));
        assert!(label(Labelled::QueuedUploads { count: 4 }, Language::En)
            .starts_with("4 certifications "));
        assert_eq!(
            label(
                Labelled::ActionName {
                    action: Action::TurnLeft
                },
                Language::ZhHans
            ),
            "向左转头"
        );
    }
}
