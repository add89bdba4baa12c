#if os(iOS)
import Foundation
import UserNotifications
import LifeCertCore
import LifeCertModel

/// The core's reminders as local notifications at 9 in the morning of their
/// day, in the app's language (the core's words). Permission is asked the
/// first time there is something to remind of; refused, nothing is shown.
@MainActor
public final class Notifications: Reminding {
    private let center = UNUserNotificationCenter.current()
    private static let prefix = "lifecert.reminder."

    public init() {}

    public func schedule(_ reminders: [Reminder]) {
        guard !reminders.isEmpty else { return }
        let center = center
        center.requestAuthorization(options: [.alert, .sound]) { granted, _ in
            guard granted else { return }
            center.getPendingNotificationRequests { pending in
                center.removePendingNotificationRequests(
                    withIdentifiers: pending.map(\.identifier).filter { $0.hasPrefix(Self.prefix) })
                for (i, r) in reminders.enumerated() {
                    let content = UNMutableNotificationContent()
                    content.body = r.message.display
                    content.sound = .default
                    var when = DateComponents()
                    when.year = Int(r.notifyOn.year)
                    when.month = Int(r.notifyOn.month)
                    when.day = Int(r.notifyOn.day)
                    when.hour = 9
                    let trigger = UNCalendarNotificationTrigger(dateMatching: when, repeats: false)
                    center.add(UNNotificationRequest(identifier: Self.prefix + String(i), content: content, trigger: trigger))
                }
            }
        }
    }
}
#endif
