package org.lifecert.ui

import androidx.compose.ui.semantics.SemanticsActions
import androidx.compose.ui.semantics.SemanticsNode
import androidx.compose.ui.semantics.SemanticsProperties
import androidx.compose.ui.semantics.getOrNull
import androidx.compose.ui.test.SkikoComposeUiTest
import androidx.compose.ui.test.onRoot
import androidx.compose.ui.text.TextLayoutResult
import androidx.compose.ui.unit.TextUnitType

/**
 * Elder mode's rules, read off a drawn screen's semantics (what TalkBack and a
 * farm see): with large text every text at least 18 sp with lines at least
 * 1.3x its size; in both modes every tappable element at least 60x60 dp with
 * an element id and words to speak, and every on/off state announced, not
 * only coloured. Returns the broken rules, one line each.
 */
fun elderRuleBreaks(ui: SkikoComposeUiTest, largeText: Boolean): List<String> {
    val breaks = mutableListOf<String>()
    val density = ui.density.density
    fun visit(node: SemanticsNode) {
        val c = node.config
        val tag = c.getOrNull(SemanticsProperties.TestTag)
        val where = tag ?: words(node).take(30).ifEmpty { "node ${node.id}" }
        c.getOrNull(SemanticsActions.GetTextLayoutResult)?.let { action ->
            val layouts = mutableListOf<TextLayoutResult>()
            action.action?.invoke(layouts)
            for (layout in layouts) {
                val style = layout.layoutInput.style
                val sp = style.fontSize.value * layout.layoutInput.density.fontScale
                if (largeText && sp < 18f) breaks += "text '$where' is ${"%.1f".format(sp)} sp (< 18)"
                val ratio = when (style.lineHeight.type) {
                    TextUnitType.Em -> style.lineHeight.value
                    TextUnitType.Sp -> style.lineHeight.value / style.fontSize.value
                    else -> 0f
                }
                if (ratio < 1.3f) breaks += "text '$where' has lines ${"%.2f".format(ratio)}x its size (< 1.3)"
            }
        }
        if (c.contains(SemanticsActions.OnClick)) {
            val w = node.size.width / density
            val h = node.size.height / density
            if (w < 60f || h < 60f) breaks += "tap target '$where' is ${w.toInt()}x${h.toInt()} dp (< 60x60)"
            if (tag == null) breaks += "tap target '$where' has no element id"
            if (words(node).isBlank()) breaks += "tap target '$where' has nothing to speak"
        }
        if (c.contains(SemanticsProperties.ToggleableState) && c.getOrNull(SemanticsProperties.Role) == null) {
            breaks += "'$where' is on/off without a role that says so"
        }
        node.children.forEach(::visit)
    }
    visit(ui.onRoot(useUnmergedTree = true).fetchSemanticsNode())
    return breaks
}


/** What a screen reader says for [node]: its description, else its texts and those of its children. */
private fun words(node: SemanticsNode): String {
    val c = node.config
    c.getOrNull(SemanticsProperties.ContentDescription)?.joinToString(" ")?.takeIf { it.isNotBlank() }?.let { return it }
    val own = (c.getOrNull(SemanticsProperties.Text)?.joinToString(" ") { it.text } ?: "") +
        (c.getOrNull(SemanticsProperties.EditableText)?.text ?: "")
    return (listOf(own) + node.children.map(::words)).filter { it.isNotBlank() }.joinToString(" ")
}
