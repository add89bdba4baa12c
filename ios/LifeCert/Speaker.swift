import AVFoundation
import LifeCertCore

/// Says what the core wants said, in the core's words (`Message.speech`): a
/// screen's instruction when it changes, a problem when one appears, and on the
/// capture screen each prompt the core flags with `speak`.
@MainActor
final class Speaker {
    private let synthesizer = AVSpeechSynthesizer()
    private var lastInstruction: String?
    private var lastProblem: String?

    init() {
        // Spoken prompts are the main guidance: play them even with the silent switch on.
        try? AVAudioSession.sharedInstance().setCategory(.playback, mode: .spokenAudio, options: [.duckOthers])
    }

    func hear(_ view: AppView) {
        var instruction: Message?
        if case let .capture(_, update) = view.screen {
            // The prompt is the instruction here; the engine says when to (re)say it.
            instruction = update.speak ? update.prompt : nil
        } else if view.instruction.key != lastInstruction {
            instruction = view.instruction
        }
        lastInstruction = view.instruction.key

        let problem = view.problem.map(\.message).flatMap { $0.key == lastProblem ? nil : $0 }
        // A running call re-arms it, so the same problem twice is said twice.
        lastProblem = view.busy ? nil : view.problem?.message.key

        guard view.voiceOn else {
            synthesizer.stopSpeaking(at: .immediate)
            return
        }
        let words = [problem, instruction].compactMap { $0?.speech }.filter { !$0.isEmpty }
        guard !words.isEmpty else { return }

        // The newest words replace whatever is still being said.
        synthesizer.stopSpeaking(at: .immediate)
        let voice = AVSpeechSynthesisVoice(language: Self.voiceLanguage(view.language))
        for text in words {
            let utterance = AVSpeechUtterance(string: text)
            utterance.voice = voice
            utterance.rate = AVSpeechUtteranceDefaultSpeechRate * 0.9 // a little slower, for older listeners
            synthesizer.speak(utterance)
        }
    }

    private static func voiceLanguage(_ language: Language) -> String {
        switch language {
        case .zhHans: return "zh-CN"
        case .zhHant: return "zh-TW"
        case .en: return "en-US"
        }
    }
}
