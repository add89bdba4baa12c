//! The stable error and reason codes of the API, with what to tell the person
//! in each language. The server sends the code and its message; the app keys
//! its behaviour (and its own message, if offline) on the code.

use crate::i18n::{Language, Message};
use crate::tr;

macro_rules! codes {
    ($($variant:ident = $code:literal),+ $(,)?) => {
        /// Every code the server can answer with.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Code { $($variant),+ }
        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code),+ }
            }
            pub fn parse(s: &str) -> Option<Code> {
                match s { $($code => Some(Code::$variant),)+ _ => None }
            }
        }
    };
}

codes! {
    BadRequest = "bad_request",
    InvalidIdNumber = "invalid_id_number",
    InvalidName = "invalid_name",
    InvalidMobile = "invalid_mobile",
    InvalidAddress = "invalid_address",
    InvalidPostCode = "invalid_post_code",
    WeakPassword = "weak_password",
    TermsNotAccepted = "terms_not_accepted",
    NotInRoster = "not_in_roster",
    NameMismatch = "name_mismatch",
    AccountExists = "account_exists",
    WrongCredentials = "wrong_credentials",
    LockedOut = "locked_out",
    SessionExpired = "session_expired",
    NotYourRelative = "not_your_relative",
    AlreadyBound = "already_bound",
    NotFound = "not_found",
    RateLimited = "rate_limited",
    NotInScope = "not_in_scope",
    MaintenanceDay = "maintenance_day",
    NoTemplate = "no_template",
    BenefitStopped = "benefit_stopped",
    ChallengeExpired = "challenge_expired",
    AlreadyDecided = "already_decided",
    BadSignature = "bad_signature",
    // Device and app attestation at login (issue 11, part 3).
    AttestationRequired = "attestation_required",
    AttestationInvalid = "attestation_invalid",
    AppNotGenuine = "app_not_genuine",
    EvidenceInvalid = "evidence_invalid",
    EvidenceTooLarge = "evidence_too_large",
    // Reasons a verified upload failed or went to review.
    FaceMismatch = "face_mismatch",
    FaceNotFound = "face_not_found",
    ActionsNotSeen = "actions_not_seen",
    DifferentPeople = "different_people",
    CaptureBroken = "capture_broken",
    SpoofSuspected = "spoof_suspected",
    LightMismatch = "light_mismatch",
    LightCheckOff = "light_check_off",
    BorderlineMatch = "borderline_match",
    TooManyFailures = "too_many_failures",
    // Accounts and uploads under abuse (issue 13).
    AccountNotVerified = "account_not_verified",
    UploadInProgress = "upload_in_progress",
    IdempotencyKeyReused = "idempotency_key_reused",
    Internal = "internal",
}

impl Code {
    pub fn message(self, lang: Language) -> Message {
        // Every text here reads aloud as written, so speech is the display text.
        let display = match self {
            Code::BadRequest => tr!(lang, "请求内容有误，请更新应用后再试。", "請求內容有誤，請更新應用後再試。", "The request was not understood. Please update the app and try again."),
            Code::InvalidIdNumber => tr!(lang, "身份证号码不正确，请核对后重新输入。", "身分證號碼不正確，請核對後重新輸入。", "The ID number is not valid. Please check it and type it again."),
            Code::InvalidName => tr!(lang, "姓名不正确，请按身份证上的姓名填写。", "姓名不正確，請按身分證上的姓名填寫。", "The name is not valid. Please write it as on the ID card."),
            Code::InvalidMobile => tr!(lang, "手机号码不正确，或两次输入不一致。", "手機號碼不正確，或兩次輸入不一致。", "The mobile number is not valid, or the two entries differ."),
            Code::InvalidAddress => tr!(lang, "地址不正确：请写完整的地址（省、市、区、街道、门牌号），不超过120个字。", "地址不正確：請寫完整的地址（省、市、區、街道、門牌號），不超過120個字。", "The address is not valid: please write the full address (province, city, district, street, number), at most 120 characters."),
            Code::InvalidPostCode => tr!(lang, "邮政编码不正确：邮编是6位数字，例如100013。", "郵政編碼不正確：郵編是6位數字，例如100013。", "The post code is not valid: it has 6 digits, for example 100013."),
            Code::WeakPassword => tr!(lang, "密码至少8位，并同时包含字母和数字。", "密碼至少8位，並同時包含字母和數字。", "The password needs at least 8 characters with both letters and digits."),
            Code::TermsNotAccepted => tr!(lang, "请先阅读并同意用户协议。", "請先閱讀並同意用戶協議。", "Please read and accept the terms first."),
            Code::NotInRoster => tr!(lang, "没有找到这个身份证号的待遇领取记录，请咨询参保地社保经办机构。", "沒有找到這個身分證號的待遇領取記錄，請諮詢參保地社保經辦機構。", "No pension record was found for this ID number. Please ask your social insurance office."),
            Code::NameMismatch => tr!(lang, "姓名与身份证号码不一致，请核对。", "姓名與身分證號碼不一致，請核對。", "The name does not match the ID number. Please check both."),
            Code::AccountExists => tr!(lang, "这个身份证号已经注册，请直接登录。", "這個身分證號已經註冊，請直接登入。", "This ID number already has an account. Please log in."),
            Code::WrongCredentials => tr!(lang, "身份证号或密码不正确。", "身分證號或密碼不正確。", "The ID number or the password is wrong."),
            Code::LockedOut => tr!(lang, "密码错误次数太多，请稍后再试。", "密碼錯誤次數太多，請稍後再試。", "Too many wrong passwords. Please try again later."),
            Code::SessionExpired => tr!(lang, "登录已过期，请重新登录。", "登入已過期，請重新登入。", "Your login has expired. Please log in again."),
            Code::NotYourRelative => tr!(lang, "只能为已绑定的亲属认证。", "只能為已綁定的親屬認證。", "You can only certify for a relative you have added."),
            Code::AlreadyBound => tr!(lang, "这位亲属已经添加过了。", "這位親屬已經添加過了。", "This relative is already added."),
            Code::NotFound => tr!(lang, "没有找到。", "沒有找到。", "Not found."),
            Code::RateLimited => tr!(lang, "操作太频繁，请稍后再试。", "操作太頻繁，請稍後再試。", "Too many tries. Please wait and try again."),
            Code::NotInScope => tr!(lang, "本次认证不需要您参加，无需操作。", "本次認證不需要您參加，無需操作。", "You are not part of this certification round. Nothing to do."),
            Code::MaintenanceDay => tr!(lang, "今天系统维护，暂停网上认证，请改天再来。", "今天系統維護，暫停網上認證，請改天再來。", "Online certification is closed today for maintenance. Please come back another day."),
            Code::NoTemplate => tr!(lang, "还没有您的认证照片，请先到社保经办机构或社区采集照片（建模）。", "還沒有您的認證照片，請先到社保經辦機構或社區採集照片（建模）。", "There is no reference photo yet. Please have your photo taken at a social insurance office first."),
            Code::BenefitStopped => tr!(lang, "待遇已停发，请联系社保经办机构。", "待遇已停發，請聯繫社保經辦機構。", "Payments have stopped. Please contact your social insurance office."),
            Code::ChallengeExpired => tr!(lang, "这次认证已过期，请重新开始。", "這次認證已過期，請重新開始。", "This attempt has expired. Please start again."),
            Code::AlreadyDecided => tr!(lang, "这次认证已经有结果了，请在认证记录中查看。", "這次認證已經有結果了，請在認證記錄中查看。", "This attempt already has a result. See the records page."),
            Code::BadSignature => tr!(lang, "上传的资料校验失败，请重新登录后再试。", "上傳的資料校驗失敗，請重新登入後再試。", "The upload could not be checked. Please log in again and retry."),
            Code::AttestationRequired => tr!(lang, "请使用社保部门发布的正式版应用，在手机上登录认证。", "請使用社保部門發佈的正式版應用，在手機上登入認證。", "Please log in with the official app from the social insurance office, on a phone."),
            Code::AttestationInvalid => tr!(lang, "无法确认这部手机的安全状态，请重新登录；如仍不行，请到社保经办机构办理认证。", "無法確認這部手機的安全狀態，請重新登入；如仍不行，請到社保經辦機構辦理認證。", "This phone could not be confirmed as secure. Please log in again; if it still fails, certify at a social insurance office."),
            Code::AppNotGenuine => tr!(lang, "这个应用不是正式版，请从官方渠道安装社保认证应用。", "這個應用不是正式版，請從官方渠道安裝社保認證應用。", "This is not the official release of the app. Please install it from the official store."),
            Code::EvidenceInvalid => tr!(lang, "上传的照片无法识别，请重新认证。", "上傳的照片無法識別，請重新認證。", "The uploaded pictures could not be read. Please try again."),
            Code::EvidenceTooLarge => tr!(lang, "上传的资料太大。", "上傳的資料太大。", "The upload is too large."),
            Code::FaceMismatch => tr!(lang, "面部识别失败：人脸与身份信息不匹配。请本人重新认证；如仍不通过，请携带身份证到派出所或社保经办机构重新采集照片。", "面部識別失敗：人臉與身分資訊不匹配。請本人重新認證；如仍不通過，請攜帶身分證到派出所或社保經辦機構重新採集照片。", "Face recognition failed: the face does not match this person. The person should try again; if it still fails, bring the ID card to the police station or the social insurance office for a new photo."),
            Code::FaceNotFound => tr!(lang, "照片中没有清楚的人脸，请在光线充足处正对手机重新认证。", "照片中沒有清楚的人臉，請在光線充足處正對手機重新認證。", "No clear face in the pictures. Please face the phone in good light and try again."),
            Code::ActionsNotSeen => tr!(lang, "没有看到要求的动作，请按语音提示重新做一遍。", "沒有看到要求的動作，請按語音提示重新做一遍。", "The requested movements were not seen. Please follow the spoken prompts again."),
            Code::DifferentPeople => tr!(lang, "认证过程中换了人，请由本人完成全部动作。", "認證過程中換了人，請由本人完成全部動作。", "A different person appeared during the check. The same person must do every step."),
            Code::CaptureBroken => tr!(lang, "认证录像不完整或无法核验，请让脸一直留在框内，重新认证。", "認證錄影不完整或無法核驗，請讓臉一直留在框內，重新認證。", "The recording was interrupted or could not be checked. Please keep your face inside the frame and try again."),
            Code::SpoofSuspected => tr!(lang, "认证未通过：需要本人在镜头前完成动作，不能使用照片或视频。", "認證未通過：需要本人在鏡頭前完成動作，不能使用照片或影片。", "Not passed: the person must do the movements in front of the camera; photos or videos cannot be used."),
            Code::LightMismatch => tr!(lang, "屏幕颜色的反光与这次认证不符，请在室内正对屏幕重新认证。", "螢幕顏色的反光與這次認證不符，請在室內正對螢幕重新認證。", "The screen's colours on the face did not match this attempt. Please try again indoors, facing the screen."),
            Code::LightCheckOff => tr!(lang, "您关闭了屏幕颜色检查，认证已提交，等待工作人员审核，请过几天在认证记录中查看结果。", "您關閉了螢幕顏色檢查，認證已提交，等待工作人員審核，請過幾天在認證記錄中查看結果。", "The screen colour check was turned off, so staff will review this attempt. Please check the records page in a few days."),
            Code::BorderlineMatch => tr!(lang, "已提交，等待工作人员审核，请过几天在认证记录中查看结果。", "已提交，等待工作人員審核，請過幾天在認證記錄中查看結果。", "Submitted for a review by staff. Please check the records page in a few days."),
            Code::TooManyFailures => tr!(lang, "本周期多次认证未通过，已转人工审核，请过几天查看结果或联系社保经办机构。", "本週期多次認證未通過，已轉人工審核，請過幾天查看結果或聯繫社保經辦機構。", "Several attempts failed, so staff will review it. Check back in a few days or contact your office."),
            Code::AccountNotVerified => tr!(lang, "您的账号还没有完成实人认证。请先为本人做一次刷脸认证，或带身份证到社保经办机构办理，然后才能为亲属认证或同意亲属的请求。", "您的賬號還沒有完成實人認證。請先為本人做一次刷臉認證，或帶身分證到社保經辦機構辦理，然後才能為親屬認證或同意親屬的請求。", "Your account is not verified yet. First certify yourself once with your face, or bring your ID card to a social insurance office; then you can act for relatives or agree to their requests."),
            Code::UploadInProgress => tr!(lang, "这次认证的资料正在核验，请稍候。", "這次認證的資料正在核驗，請稍候。", "The pictures of this attempt are being checked. Please wait a moment."),
            Code::IdempotencyKeyReused => tr!(lang, "上传标识已用于另一次认证，请重新开始认证。", "上傳標識已用於另一次認證，請重新開始認證。", "This upload belongs to another attempt. Please start again."),
            Code::Internal => tr!(lang, "服务器暂时出了问题，您的资料没有丢失，请稍后再试。", "伺服器暫時出了問題，您的資料沒有遺失，請稍後再試。", "The server had a problem. Nothing was lost; please try again later."),
        };
        Message {
            key: format!("api.{}", self.as_str()),
            speech: display.clone(),
            display,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_and_has_three_distinct_languages() {
        for &c in Code::ALL {
            assert_eq!(Code::parse(c.as_str()), Some(c));
            let texts: Vec<String> = [Language::ZhHans, Language::ZhHant, Language::En]
                .into_iter()
                .map(|l| c.message(l).display)
                .collect();
            assert!(texts.iter().all(|t| !t.is_empty()), "{c:?}");
            assert_ne!(texts[0], texts[2], "{c:?} en");
        }
    }
}
