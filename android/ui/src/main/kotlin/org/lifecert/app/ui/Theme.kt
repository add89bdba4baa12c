package org.lifecert.app.ui

import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Typography
import androidx.compose.runtime.Composable
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.ui.platform.LocalDensity
import androidx.compose.ui.text.TextStyle
import androidx.compose.ui.unit.Density
import androidx.compose.ui.unit.dp
import androidx.compose.ui.unit.em
import androidx.compose.ui.unit.sp

/** Every tap target is at least this big (the elder-mode rule is 60 dp). */
val MinTouch = 64.dp

/** Large text multiplies every sp on top of the phone's own font size. */
const val LARGE_TEXT_SCALE = 1.35f

// Material's line heights go down to 1.2x the size; long Chinese lines read
// better, and elder mode asks, at 1.3x or more.
private const val LINE_HEIGHT = 1.4f

/** Elder mode's type: nothing under 14 sp, lines 1.4x the size. */
private fun TextStyle.elder() = (if (fontSize.value < 14f) copy(fontSize = 14.sp) else this).copy(lineHeight = LINE_HEIGHT.em)

/**
 * Material 3's type scale made elder (see [elder]), so large text (x1.35)
 * puts every text at 18.9 sp or more. Made once, not on every recomposition.
 */
private val ElderTypography: Typography = Typography().run {
    Typography(
        displayLarge = displayLarge.elder(), displayMedium = displayMedium.elder(), displaySmall = displaySmall.elder(),
        headlineLarge = headlineLarge.elder(), headlineMedium = headlineMedium.elder(), headlineSmall = headlineSmall.elder(),
        titleLarge = titleLarge.elder(), titleMedium = titleMedium.elder(), titleSmall = titleSmall.elder(),
        bodyLarge = bodyLarge.elder(), bodyMedium = bodyMedium.elder(), bodySmall = bodySmall.elder(),
        labelLarge = labelLarge.elder(), labelMedium = labelMedium.elder(), labelSmall = labelSmall.elder(),
    )
}

/** The app's theme, with large text applied to every sp when the person chose it. */
@Composable
fun LifeCertTheme(largeText: Boolean, content: @Composable () -> Unit) {
    val density = LocalDensity.current
    val scale = if (largeText) LARGE_TEXT_SCALE else 1f
    MaterialTheme(typography = ElderTypography) {
        CompositionLocalProvider(LocalDensity provides Density(density.density, density.fontScale * scale), content = content)
    }
}
