package org.lifecert.ui

import java.io.File
import java.time.YearMonth
import java.util.concurrent.atomic.AtomicInteger

/** A pensioner on the agency's roster, with a template photo of [photo]. */
data class Pensioner(val name: String, val idNumber: String, val photo: String)

/**
 * New pensioners for each test, so tests share no one and run in any order:
 * put on the roster and enrolled (建模) with the agency's own commands.
 */
object People {
    private val next = AtomicInteger(1)

    /** A resident ID number (GB 11643): region, birth date, sequence, ISO 7064 MOD 11-2 check. */
    fun idNumber(region: String, birth: String, sequence: Int): String {
        val body = region + birth + "%03d".format(sequence)
        val weights = intArrayOf(7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
        val sum = body.mapIndexed { i, c -> (c - '0') * weights[i] }.sum()
        return body + "10X98765432"[sum % 11]
    }

    /** On the roster with a template photo of [photo] (建模 done). */
    fun enrol(certd: Certd, name: String, photo: String = "grace_hopper.jpg"): Pensioner {
        val p = rostered(certd, name).copy(photo = photo)
        certd.agency("enrol", "--id-number", p.idNumber, "--photo", File(repo, "tests/fixtures/faces/$photo").path)
        return p
    }

    /** On the roster only: no template photo yet. */
    fun rostered(certd: Certd, name: String): Pensioner {
        // Women (even sequence) born 1950; a pension that began 11 months ago, so due now.
        val p = Pensioner(name, idNumber("110105", "19500101", 2 * next.getAndIncrement() + 100), "")
        val csv = File.createTempFile("roster", ".csv").apply {
            writeText("name,id_number,category,region,benefit_start\n${p.name},${p.idNumber},enterprise_pension,110105,${YearMonth.now().minusMonths(11)}\n")
        }
        certd.agency("import-roster", csv.path)
        csv.delete()
        return p
    }
}
