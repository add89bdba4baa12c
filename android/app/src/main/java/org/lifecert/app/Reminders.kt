package org.lifecert.app

import android.Manifest
import android.app.AlarmManager
import android.app.NotificationChannel
import android.app.NotificationManager
import android.app.PendingIntent
import android.content.BroadcastReceiver
import android.content.Context
import android.content.Intent
import android.content.pm.PackageManager
import android.os.Build
import androidx.core.content.ContextCompat
import org.lifecert.core.Reminder
import java.time.LocalDate
import java.time.LocalTime
import java.time.ZoneId

/**
 * The core's reminders (30, 7 and 1 days before each due date, for me and
 * each relative I certify for) as local notifications at 9 in the morning.
 * Scheduled again whenever Home is shown, so they follow the server's dates;
 * what they say is the core's message, in the app's language.
 */
object Reminders {
    private const val CHANNEL = "reminders"
    private const val MAX = 32 // a request code per slot, so rescheduling replaces, never piles up

    fun schedule(context: Context, reminders: List<Reminder>, channelName: String) {
        val alarms = context.getSystemService(AlarmManager::class.java) ?: return
        context.getSystemService(NotificationManager::class.java)
            ?.createNotificationChannel(NotificationChannel(CHANNEL, channelName, NotificationManager.IMPORTANCE_DEFAULT))
        val now = System.currentTimeMillis()
        for (slot in 0 until MAX) {
            val r = reminders.getOrNull(slot)
            val intent = Intent(context, Fire::class.java)
                .putExtra("text", r?.message?.display).putExtra("id", slot)
            val pending = PendingIntent.getBroadcast(context, slot, intent, PendingIntent.FLAG_UPDATE_CURRENT or PendingIntent.FLAG_IMMUTABLE)
            if (r == null) {
                alarms.cancel(pending)
                continue
            }
            val at = LocalDate.of(r.notifyOn.year.toInt(), r.notifyOn.month.toInt(), r.notifyOn.day.toInt())
                .atTime(LocalTime.of(9, 0)).atZone(ZoneId.systemDefault()).toInstant().toEpochMilli()
            // Inexact: a reminder a few minutes late is fine and costs no battery or permission.
            alarms.set(AlarmManager.RTC_WAKEUP, maxOf(at, now + 60_000), pending)
        }
    }

    /** Posts one reminder. Android 13+ asks for POST_NOTIFICATIONS first; without it, nothing shows. */
    class Fire : BroadcastReceiver() {
        override fun onReceive(context: Context, intent: Intent) {
            val text = intent.getStringExtra("text") ?: return
            if (Build.VERSION.SDK_INT >= 33 &&
                ContextCompat.checkSelfPermission(context, Manifest.permission.POST_NOTIFICATIONS) != PackageManager.PERMISSION_GRANTED
            ) return
            val open = PendingIntent.getActivity(
                context, 0, Intent(context, MainActivity::class.java), PendingIntent.FLAG_IMMUTABLE,
            )
            val note = android.app.Notification.Builder(context, CHANNEL)
                .setSmallIcon(android.R.drawable.ic_dialog_info)
                .setContentText(text)
                .setStyle(android.app.Notification.BigTextStyle().bigText(text))
                .setContentIntent(open)
                .setAutoCancel(true)
                .build()
            context.getSystemService(NotificationManager::class.java)?.notify(intent.getIntExtra("id", 0), note)
        }
    }
}
