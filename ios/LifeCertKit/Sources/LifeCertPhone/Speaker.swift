#if os(iOS)
import AVFoundation
import UIKit
import LifeCertCore
import LifeCertModel

/// The phone's voice. It decides nothing: the core says what to speak and
/// when (`AppObserver.onSpeak`); this only speaks it in the view's language.
@MainActor
public final class Speaker: Speech {
    private let synthesizer = AVSpeechSynthesizer()
    private var language: Language = .zhHans

    public init() {
        // Spoken prompts are the main guidance: play them even with the silent switch on.
        try? AVAudioSession.sharedInstance().setCategory(.playback, mode: .spokenAudio, options: [.duckOthers])
    }

    public func use(_ language: Language) {
        self.language = language
    }

    /// The newest words replace whatever is still being said; none: stop.
    /// Under VoiceOver the app does not talk over the screen reader: the
    /// words go to VoiceOver as an announcement, in its voice and turn.
    public func say(_ words: [Message]) {
        synthesizer.stopSpeaking(at: .immediate)
        if UIAccessibility.isVoiceOverRunning {
            let text = words.map(\.speech).filter { !$0.isEmpty }.joined(separator: " ")
            if !text.isEmpty { UIAccessibility.post(notification: .announcement, argument: text) }
            return
        }
        let voice = AVSpeechSynthesisVoice(language: Self.voiceLanguage(language))
        for text in words.map(\.speech) where !text.isEmpty {
            let utterance = AVSpeechUtterance(string: text)
            utterance.voice = voice
            utterance.rate = AVSpeechUtteranceDefaultSpeechRate * 0.9 // a little slower, for older listeners
            synthesizer.speak(utterance)
        }
    }

    public func hasVoice(for language: Language) -> Bool {
        AVSpeechSynthesisVoice(language: Self.voiceLanguage(language)) != nil
    }

    private static func voiceLanguage(_ language: Language) -> String {
        switch language {
        case .zhHans: return "zh-CN"
        case .zhHant: return "zh-TW"
        case .en: return "en-US"
        }
    }
}
#endif
