//! The flow's own words: titles, instructions, consent points, results.

use lifecert_domain::i18n::{say_date, Language, Message};
use lifecert_domain::rules::date::CalendarDate;
use lifecert_domain::tr;

pub fn msg(key: &str, display: String) -> Message {
    Message {
        key: key.into(),
        speech: display.clone(),
        display,
    }
}

pub fn title(lang: Language, screen: &str) -> Message {
    let text = match screen {
        "welcome" => tr!(
            lang,
            "养老金资格认证",
            "養老金資格認證",
            "Pension certification"
        ),
        "register" => tr!(lang, "注册", "註冊", "Register"),
        "login" => tr!(lang, "登录", "登入", "Log in"),
        "home" => tr!(lang, "首页", "首頁", "Home"),
        "choose" => tr!(lang, "为谁认证", "為誰認證", "Who is certifying?"),
        "add_relative" => tr!(lang, "添加亲属", "添加親屬", "Add a relative"),
        "consent" => tr!(
            lang,
            "人脸信息使用授权",
            "人臉資訊使用授權",
            "Consent to face processing"
        ),
        "template" => tr!(lang, "认证照片", "認證照片", "Reference photo"),
        "camera" => tr!(lang, "需要使用相机", "需要使用相機", "Camera needed"),
        "capture" => tr!(lang, "刷脸认证", "刷臉認證", "Face check"),
        "uploading" => tr!(lang, "正在提交", "正在提交", "Sending"),
        "queued" => tr!(
            lang,
            "已保存，等待网络",
            "已保存，等待網路",
            "Saved, waiting for the network"
        ),
        "result" => tr!(lang, "认证结果", "認證結果", "Result"),
        "blocked" => tr!(lang, "暂时不能认证", "暫時不能認證", "Cannot certify now"),
        "records" => tr!(lang, "认证记录", "認證記錄", "Records"),
        "contact" | "contact_saved" => tr!(lang, "地址和电话", "地址和電話", "Address and phone"),
        _ => tr!(lang, "设置", "設定", "Settings"),
    };
    msg(&format!("title.{screen}"), text)
}

pub fn instruction(lang: Language, screen: &str) -> Message {
    let text = match screen {
        "welcome" => tr!(
            lang,
            "请登录。第一次使用请先注册。",
            "請登入。第一次使用請先註冊。",
            "Please log in. First time here? Register first."
        ),
        "register" => tr!(
            lang,
            "请填写身份证上的姓名和号码，手机号输入两次。",
            "請填寫身分證上的姓名和號碼，手機號輸入兩次。",
            "Enter the name and number on your ID card, and your mobile number twice."
        ),
        "login" => tr!(
            lang,
            "请输入身份证号码和密码。",
            "請輸入身分證號碼和密碼。",
            "Enter your ID number and password."
        ),
        "home" => tr!(
            lang,
            "点“开始认证”为自己或亲属认证。",
            "點「開始認證」為自己或親屬認證。",
            "Tap \"Start\" to certify yourself or a relative."
        ),
        "choose" => tr!(
            lang,
            "请选择为谁认证。",
            "請選擇為誰認證。",
            "Choose who is certifying."
        ),
        "add_relative" => tr!(
            lang,
            "请填写亲属身份证上的姓名和号码。亲属同意后才能代为认证。",
            "請填寫親屬身分證上的姓名和號碼。親屬同意後才能代為認證。",
            "Enter the relative's name and ID number. You can certify for them once they agree."
        ),
        "consent" => tr!(
            lang,
            "请阅读后点“同意”。",
            "請閱讀後點「同意」。",
            "Please read, then tap \"I agree\"."
        ),
        "template" => tr!(
            lang,
            "将与社保机构留存的照片比对。",
            "將與社保機構留存的照片比對。",
            "Your face will be compared with the photo the agency has on file."
        ),
        "camera" => tr!(
            lang,
            "请允许使用相机，用来拍摄人脸。",
            "請允許使用相機，用來拍攝人臉。",
            "Please allow the camera so the face can be seen."
        ),
        "capture" => tr!(
            lang,
            "请把脸放在圆圈里，按语音提示做动作。",
            "請把臉放在圓圈裡，按語音提示做動作。",
            "Keep the face in the circle and follow the spoken prompts."
        ),
        "uploading" => tr!(
            lang,
            "正在提交，请稍候。",
            "正在提交，請稍候。",
            "Sending, please wait."
        ),
        "contact" => tr!(
            lang,
            "地址、邮编或电话变了，请在这里改，社保经办机构会收到。",
            "地址、郵編或電話變了，請在這裡改，社保經辦機構會收到。",
            "If the address, post code or phone changed, correct them here; the social insurance office receives them."
        ),
        "contact_saved" => tr!(
            lang,
            "已保存。社保经办机构会按新的地址和电话联系。",
            "已保存。社保經辦機構會按新的地址和電話聯繫。",
            "Saved. The social insurance office will use the new address and phone."
        ),
        "records" => tr!(
            lang,
            "这里是您和亲属的认证记录。",
            "這裡是您和親屬的認證記錄。",
            "Your and your relatives' certifications."
        ),
        _ => tr!(
            lang,
            "可以调整语言、字体大小和语音。",
            "可以調整語言、字體大小和語音。",
            "Change the language, text size and voice."
        ),
    };
    msg(&format!("instruction.{screen}"), text)
}

/// PIPL article 29: separate consent for biometric data, with what leaves the phone.
pub fn consent_points(lang: Language, subject: &str) -> Vec<Message> {
    vec![
        msg("consent.purpose", tr!(lang, "用途：仅用于{}本年度养老金领取资格认证。", "用途：僅用於{}本年度養老金領取資格認證。", "Purpose: only this year's pension certification of {}.", subject)),
        msg("consent.on_phone", tr!(lang, "拍摄时手机先检查眨眼、张嘴、转头等动作；画面只在内存中，不保存在手机上。", "拍攝時手機先檢查眨眼、張嘴、轉頭等動作；畫面只在記憶體中，不保存在手機上。", "While filming, the phone checks the blinking, mouth and head movements. The pictures stay in memory and are not kept on the phone.")),
        msg("consent.sent", tr!(lang, "认证通过后，上传一段低分辨率的人脸小图序列（只有脸部，约十几秒）和一张正脸照片，加密传给社保经办机构，由其核验动作并与留存照片比对；经办机构加密保存，只在审计期内保留。", "認證通過後，上傳一段低解析度的人臉小圖序列（只有臉部，約十幾秒）和一張正臉照片，加密傳給社保經辦機構，由其核驗動作並與留存照片比對；經辦機構加密保存，只在稽核期內保留。", "After the check, a short low-resolution sequence of small face pictures (the face only, about ten seconds) and one frontal picture are sent, encrypted, to the agency, which checks the movements and compares the face with the photo on file. The agency keeps them encrypted, for the audit period only.")),
        msg("consent.withdraw", tr!(lang, "您可以不同意，改为到社保经办机构或社区现场认证。", "您可以不同意，改為到社保經辦機構或社區現場認證。", "You may decline and certify in person at the agency or your community instead.")),
    ]
}

pub fn self_relation(lang: Language) -> Message {
    msg("relation.self", tr!(lang, "本人", "本人", "Myself"))
}

pub fn binding_request(lang: Language, from: &str, relation: &str) -> Message {
    msg(
        "binding.request",
        tr!(
            lang,
            "{}申请作为您的亲属（{}）帮您认证，同意吗？",
            "{}申請作為您的親屬（{}）幫您認證，同意嗎？",
            "{} asks to certify for you (as your {}). Do you agree?",
            from,
            relation
        ),
    )
}

pub fn pending_binding(lang: Language) -> Message {
    msg(
        "binding.pending",
        tr!(
            lang,
            "等待亲属同意后才能代为认证。",
            "等待親屬同意後才能代為認證。",
            "Waiting for the relative to agree."
        ),
    )
}

/// Home, while the account is only registered: why and how to verify it.
pub fn verify_first(lang: Language) -> Message {
    msg(
        "account.verify_first",
        tr!(
            lang,
            "请先为本人做一次刷脸认证，确认这个账号是您本人的。完成后才能添加亲属、同意亲属的请求或为亲属认证。没有认证照片的，请带身份证到社保经办机构办理。",
            "請先為本人做一次刷臉認證，確認這個賬號是您本人的。完成後才能添加親屬、同意親屬的請求或為親屬認證。沒有認證照片的，請帶身分證到社保經辦機構辦理。",
            "First certify yourself once with your face, to confirm this account is yours. Then you can add relatives, agree to their requests and certify for them. Without a reference photo, bring your ID card to a social insurance office."
        ),
    )
}

pub fn passed(lang: Language, name: &str, next_due: Option<CalendarDate>) -> Message {
    match next_due {
        Some(d) => msg(
            "result.passed",
            tr!(
                lang,
                "{}认证成功。下次请在{}前认证。",
                "{}認證成功。下次請在{}前認證。",
                "{} is certified. Next time, certify by {}.",
                name,
                say_date(lang, d.year, d.month as u32, d.day as u32)
            ),
        ),
        None => msg(
            "result.passed",
            tr!(
                lang,
                "{}认证成功。",
                "{}認證成功。",
                "{} is certified.",
                name
            ),
        ),
    }
}

pub fn failed(lang: Language, name: &str) -> Message {
    msg(
        "result.failed",
        tr!(
            lang,
            "{}这次认证没有通过。",
            "{}這次認證沒有通過。",
            "{}'s certification did not pass this time.",
            name
        ),
    )
}

/// When to look again at a result in review: staff decide by `by` (working
/// days counted by certd, holidays skipped).
pub fn look_again(lang: Language, by: CalendarDate) -> Message {
    msg(
        "result.review_by",
        tr!(
            lang,
            "工作人员会在{}前审核完，请到时在“认证记录”里查看结果。",
            "工作人員會在{}前審核完，請到時在「認證記錄」裡查看結果。",
            "Staff will decide by {}. Please look at the records page then.",
            say_date(lang, by.year, by.month as u32, by.day as u32)
        ),
    )
}

pub fn in_review(lang: Language, name: &str) -> Message {
    msg(
        "result.review",
        tr!(
            lang,
            "{}的认证已提交，正在等待工作人员审核。",
            "{}的認證已提交，正在等待工作人員審核。",
            "{}'s certification was sent and is waiting for staff to review it.",
            name
        ),
    )
}

pub fn retry_advice(lang: Language) -> Message {
    msg(
        "result.retry",
        tr!(
            lang,
            "请到光线好的地方，正对手机，按提示再试一次。",
            "請到光線好的地方，正對手機，按提示再試一次。",
            "Go somewhere bright, face the phone and try again following the prompts."
        ),
    )
}

pub fn by_whom(lang: Language, by_self: bool, actor: &str) -> Message {
    if by_self {
        self_relation(lang)
    } else if actor.is_empty() {
        msg(
            "record.by",
            tr!(lang, "由亲属代办", "由親屬代辦", "By a relative"),
        )
    } else {
        msg(
            "record.by",
            tr!(lang, "由{}代办", "由{}代辦", "By {}", actor),
        )
    }
}

pub fn record_summary(lang: Language, kind: super::view::ResultKind) -> Message {
    use super::view::ResultKind::*;
    let text = match kind {
        Passed => tr!(lang, "✔ 认证通过", "✔ 認證通過", "✔ Passed"),
        Failed => tr!(lang, "✘ 未通过", "✘ 未通過", "✘ Not passed"),
        PendingReview => tr!(lang, "… 审核中", "… 審核中", "… In review"),
    };
    msg("record.summary", text)
}

/// The phone could not save a passed capture (storage full or failing).
pub fn storage_full(lang: Language) -> Message {
    msg(
        "storage.full",
        tr!(
            lang,
            "手机存储空间不足,认证记录没有保存。请清理手机空间后重新认证",
            "手機儲存空間不足,認證記錄沒有保存。請清理手機空間後重新認證",
            "The phone is out of storage, so the check was not saved. Please free some space and try again"
        ),
    )
}

/// A passed capture's record could not be prepared.
pub fn evidence_not_built(lang: Language) -> Message {
    msg(
        "evidence.failed",
        tr!(
            lang,
            "认证记录没有生成,请重新认证",
            "認證記錄沒有生成,請重新認證",
            "The check's record could not be prepared. Please try again"
        ),
    )
}

/// The upload's progress in words, by quarters (each said once as it is
/// reached), and "checking" once all is sent.
pub fn upload_progress(lang: Language, sent: u64, total: u64) -> Message {
    let quarter = (sent * 4 / total.max(1)).min(4);
    if quarter == 4 {
        return msg(
            "upload.checking",
            tr!(
                lang,
                "已上传，正在核验，请稍候。",
                "已上傳，正在核驗，請稍候。",
                "Sent. It is being checked, please wait."
            ),
        );
    }
    if quarter == 0 {
        return instruction(lang, "uploading");
    }
    let pct = quarter * 25;
    msg(
        &format!("upload.{pct}"),
        tr!(
            lang,
            "正在上传，已完成百分之{}。",
            "正在上傳，已完成百分之{}。",
            "Sending: {} percent done.",
            pct
        ),
    )
}

/// The attempt ran out of time (the person was slow, or the phone was
/// away): new steps are shown, nothing counts against them.
pub fn attempt_renewed(lang: Language) -> Message {
    msg(
        "attempt.renewed",
        tr!(
            lang,
            "上一次的时间到了，没关系。下面是新的动作，准备好后再开始。",
            "上一次的時間到了，沒關係。下面是新的動作，準備好後再開始。",
            "The time for that attempt ran out. That is fine: here are new steps, start when you are ready."
        ),
    )
}

/// The camera stopped mid-capture (a call, another app, the phone put away).
pub fn camera_interrupted(lang: Language) -> Message {
    msg(
        "attempt.interrupted",
        tr!(
            lang,
            "相机被打断了，没关系。准备好后再开始。",
            "相機被打斷了，沒關係。準備好後再開始。",
            "The camera was interrupted. That is fine: start again when you are ready."
        ),
    )
}

/// Records shown from the phone while there is no network.
pub fn records_kept(lang: Language) -> Message {
    msg(
        "records.kept",
        tr!(
            lang,
            "现在没有网络，下面是保存在这部手机上的认证记录，回执已在手机上核验。",
            "現在沒有網路，下面是保存在這部手機上的認證記錄，回執已在手機上核驗。",
            "No connection: these are the records kept on this phone; their receipts were checked on the phone."
        ),
    )
}
