package org.lifecert.ui

import org.junit.jupiter.api.Test
import org.lifecert.app.ui.Ids
import java.io.File
import kotlin.test.assertEquals

class ElementIdsTest {
    @Test
    fun `the farm's id list and the screens' ids are the same list`() {
        val listed = File(repo, "shells/element-ids.txt").readLines()
            .map { it.substringBefore('#').trim() }.filter { it.isNotEmpty() }
        val inCode = Ids::class.java.declaredFields
            .filter { java.lang.reflect.Modifier.isStatic(it.modifiers) && it.type == String::class.java }
            .map { it.get(null) as String }
        assertEquals(listed.toSet().size, listed.size, "an id listed twice")
        assertEquals(inCode.sorted(), listed.sorted())
    }
}
