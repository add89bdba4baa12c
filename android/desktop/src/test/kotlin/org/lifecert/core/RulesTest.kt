package org.lifecert.core

import org.lifecert.domain.*
import org.lifecert.liveness.*

import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue

/**
 * The certification rules as an Android screen calls them: plain Kotlin values in,
 * data classes or typed exceptions out, every message in three languages.
 */
class RulesTest {
    private val today = CalendarDate(2026, 11u, 22u)

    @Test
    fun `a valid ID number comes back with birth date, gender and age`() {
        val id = parseResidentId("11010519491231002x", today)
        assertEquals("11010519491231002X", id.number)
        assertEquals(CalendarDate(1949, 12u, 31u), id.birthDate)
        assertEquals(Gender.FEMALE, id.gender)
        assertEquals(76u, id.age)
    }

    @Test
    fun `each malformed ID number throws its own Kotlin exception with a localised message`() {
        val wrongLength = assertThrows<IdNumberException.WrongLength> { parseResidentId("1101051949", today) }
        assertEquals(10u, wrongLength.length)
        assertEquals("id.wrong_length", wrongLength.describe(Language.EN).key)
        assertTrue(wrongLength.describe(Language.ZH_HANS).display.contains("18位"))

        val badChar = assertThrows<IdNumberException.BadCharacter> { parseResidentId("11O10519491231002X", today) }
        assertEquals(3u, badChar.position)
        assertEquals("O", badChar.character)
        assertTrue(badChar.describe(Language.ZH_HANT).speech.contains("艾克斯"))

        assertThrows<IdNumberException.UnknownRegion> { parseResidentId("990105194912310021", today) }
        val impossible = assertThrows<IdNumberException.ImpossibleBirthDate> { parseResidentId("110105194902300020", today) }
        assertEquals("19490230", impossible.digits)
        assertThrows<IdNumberException.BirthDateInFuture> { parseResidentId("110105209912310028", today) }
        val checksum = assertThrows<IdNumberException.ChecksumMismatch> { parseResidentId("110105194912310021", today) }
        assertEquals("X", checksum.expected)
        assertEquals("1", checksum.found)
    }

    @Test
    fun `names, mobiles and the typed-twice check throw typed exceptions`() {
        assertEquals("阿依古丽·买买提", normalizePersonName("阿依古丽•买买提").value)
        assertEquals(NameScript.LATIN, normalizePersonName("SMITH JOHN").script)
        assertThrows<NameException.MixedScripts> { normalizePersonName("王Li") }
        assertThrows<NameException.Empty> { normalizePersonName("  ") }

        assertEquals("13800138000", confirmMobile("+86 138 0013 8000", "13800138000"))
        val mismatch = assertThrows<MobileException.Mismatch> { confirmMobile("13800138000", "13800138001") }
        assertEquals("两次输入的手机号码不一样,请再输一次。", mismatch.describe(Language.ZH_HANS).display)
        assertThrows<MobileException.NotMainlandMobile> { normalizeMobile("12800138000") }
    }

    @Test
    fun `status follows the seed example of early certification and a leap-year due date`() {
        val li = BenefitHolder(
            benefitStart = YearMonth(2018, 3u),
            lastCertification = CertificationEvent(CalendarDate(2019, 2u, 14u), CertificationMethod.FACE_ONLINE),
            eligibilityLost = null,
        )
        val status = certificationStatus(li, CertificationPolicy(Schedule.Rolling, listOf()), CalendarDate(2019, 6u, 1u), Language.EN)
        assertEquals(StatusKind.UP_TO_DATE, status.kind)
        assertEquals(CalendarDate(2020, 2u, 29u), status.nextDue)
        assertTrue(status.messages.first().display.contains("29 February 2020"))
    }

    @Test
    fun `campaign scope, suspension with back pay, and a maintenance day`() {
        val beijing = CertificationPolicy(
            Schedule.Campaign(Campaign(CalendarDate(2023, 1u, 1u), CalendarDate(2023, 3u, 25u), CalendarDate(2022, 12u, 31u))),
            listOf(1u, 2u, 3u),
        )
        val newcomer = BenefitHolder(YearMonth(2023, 1u), null, null)
        val outOfScope = certificationStatus(newcomer, beijing, CalendarDate(2023, 2u, 10u), Language.ZH_HANS)
        assertEquals(StatusKind.NOT_IN_SCOPE, outOfScope.kind)
        assertEquals("您不在本次认证范围内,无需进行认证!", outOfScope.messages.first().display)

        val late = BenefitHolder(YearMonth(2010, 1u), null, null)
        val suspended = certificationStatus(late, beijing, CalendarDate(2023, 6u, 2u), Language.ZH_HANS)
        assertEquals(StatusKind.SUSPENDED, suspended.kind)
        assertEquals(YearMonth(2023, 4u), suspended.suspendedFrom)
        assertEquals(3u, suspended.backPayMonths)
        assertFalse(suspended.onlineOpenToday)
        assertEquals("status.maintenance_day", suspended.messages.last().key)
    }

    @Test
    fun `an impossible date from the caller is a CalendarException, not a crash`() {
        val holder = BenefitHolder(YearMonth(2018, 3u), null, null)
        val e = assertThrows<CalendarException.InvalidDate> {
            certificationStatus(holder, CertificationPolicy(Schedule.Rolling, listOf()), CalendarDate(2023, 2u, 29u), Language.EN)
        }
        assertEquals(29u.toUByte(), e.day)
    }

    @Test
    fun `today in China is a real date`() {
        val d = todayInChina()
        assertTrue(d.year >= 2024 && d.month.toInt() in 1..12 && d.day.toInt() in 1..31)
    }
}
