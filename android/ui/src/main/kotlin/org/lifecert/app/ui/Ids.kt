package org.lifecert.app.ui

/**
 * Stable element ids (Compose `testTag`, exposed as resource ids to
 * UIAutomator/Appium; iOS uses the same strings as accessibilityIdentifier).
 * Device-farm scripts read them from shells/element-ids.txt, which a test
 * keeps equal to this list. Ids ending in "-" take an index: "who-0".
 */
object Ids {
    // Every screen
    const val TITLE = "title"
    const val INSTRUCTION = "instruction"
    const val BACK = "back"
    const val PROBLEM = "problem"
    const val BUSY = "busy"
    const val VOICE_MISSING = "voice-missing"
    const val STARTING = "starting"
    const val STARTUP_FAILED = "startup-failed"

    // Welcome
    const val WELCOME_LOG_IN = "welcome-log-in"
    const val WELCOME_REGISTER = "welcome-register"

    // Register
    const val REGISTER_NAME = "register-name"
    const val REGISTER_ID_NUMBER = "register-id-number"
    const val REGISTER_PASSWORD = "register-password"
    const val REGISTER_MOBILE = "register-mobile"
    const val REGISTER_MOBILE_AGAIN = "register-mobile-again"
    const val REGISTER_TERMS = "register-terms"
    const val REGISTER_SUBMIT = "register-submit"

    // Log in
    const val LOG_IN_ID_NUMBER = "log-in-id-number"
    const val LOG_IN_PASSWORD = "log-in-password"
    const val LOG_IN_SUBMIT = "log-in-submit"

    // Home
    const val HOME_ME = "home-me"
    const val HOME_VERIFY_FIRST = "home-verify-first"
    const val HOME_START = "home-start"
    const val HOME_QUEUED = "home-queued"
    const val HOME_SEND_NOW = "home-send-now"
    const val HOME_REQUEST_ = "home-request-"
    const val HOME_REQUEST_ACCEPT_ = "home-request-accept-"
    const val HOME_RELATIVE_ = "home-relative-"
    const val HOME_ADD_RELATIVE = "home-add-relative"
    const val HOME_RECORDS = "home-records"
    const val HOME_SETTINGS = "home-settings"
    const val HOME_REFRESH = "home-refresh"
    // Change address and phone: 0 is the person themself, then their relatives in Home's order
    const val HOME_CONTACT_ = "home-contact-"

    // Choose who: 0 is the person themself, then their relatives in Home's order
    const val WHO_ = "who-"

    // Add a relative
    const val RELATIVE_NAME = "relative-name"
    const val RELATIVE_ID_NUMBER = "relative-id-number"
    const val RELATIVE_RELATION = "relative-relation"
    const val RELATIVE_SUBMIT = "relative-submit"

    // Consent
    const val CONSENT_SUBJECT = "consent-subject"
    const val CONSENT_POINT_ = "consent-point-"
    const val CONSENT_AGREE = "consent-agree"
    const val CONSENT_DECLINE = "consent-decline"

    // Template photo and camera permission
    const val TEMPLATE_PHOTO = "template-photo"
    const val TEMPLATE_SUBJECT = "template-subject"
    const val CAMERA_STEP_ = "camera-step-"
    const val CAMERA_ALLOW = "camera-allow"
    const val CAMERA_OPEN_SETTINGS = "camera-open-settings"

    // Capture
    const val CAPTURE_CAMERA = "capture-camera"
    const val CAPTURE_PROGRESS = "capture-progress"
    const val CAPTURE_PROMPT = "capture-prompt"
    const val CAPTURE_STEP = "capture-step"

    // Upload and offline queue
    const val UPLOAD_PROGRESS = "upload-progress"
    const val OFFLINE_MESSAGE = "offline-message"
    const val OFFLINE_SEND_NOW = "offline-send-now"
    const val OFFLINE_HOME = "offline-home"

    // Result
    const val RESULT_KIND = "result-kind"
    const val RESULT_MESSAGE = "result-message"
    const val RESULT_ADVICE = "result-advice"
    const val RESULT_RECEIPT_VERIFIED = "result-receipt-verified"
    const val RECEIPT_QR = "receipt-qr"
    const val RESULT_NEXT_DUE = "result-next-due"
    const val RESULT_RETRY = "result-retry"
    const val RESULT_HOME = "result-home"
    const val RESULT_CONTACT = "result-contact"

    // Address, post code and phone
    const val CONTACT_SUBJECT = "contact-subject"
    const val CONTACT_ADDRESS = "contact-address"
    const val CONTACT_POST_CODE = "contact-post-code"
    const val CONTACT_MOBILE = "contact-mobile"
    const val CONTACT_SAVE = "contact-save"
    const val CONTACT_DONE = "contact-done"

    // Blocked
    const val BLOCKED_MESSAGE = "blocked-message"
    const val BLOCKED_HOME = "blocked-home"

    // Records: one card per certification, newest first
    const val RECORD_ = "record-"

    // Settings
    const val SETTINGS_LANGUAGE_ = "settings-language-"
    const val SETTINGS_LARGE_TEXT = "settings-large-text"
    const val SETTINGS_VOICE = "settings-voice"
    const val SETTINGS_LOG_OUT = "settings-log-out"
}
