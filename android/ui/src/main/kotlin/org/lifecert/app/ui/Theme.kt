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

private fun TextStyle.airy() = copy(lineHeight = LINE_HEIGHT.em)

/**
 * Material 3's type scale with airier lines and no style under 14 sp, so
 * large text (x1.35) puts every text at 18.9 sp or more.
 */
private fun elderTypography(): Typography {
    val t = Typography()
    fun TextStyle.atLeast14() = (if (fontSize.value < 14f) copy(fontSize = 14.sp) else this).airy()
    return Typography(
        displayLarge = t.displayLarge.airy(), displayMedium = t.displayMedium.airy(), displaySmall = t.displaySmall.airy(),
        headlineLarge = t.headlineLarge.airy(), headlineMedium = t.headlineMedium.airy(), headlineSmall = t.headlineSmall.airy(),
        titleLarge = t.titleLarge.airy(), titleMedium = t.titleMedium.atLeast14(), titleSmall = t.titleSmall.atLeast14(),
        bodyLarge = t.bodyLarge.airy(), bodyMedium = t.bodyMedium.atLeast14(), bodySmall = t.bodySmall.atLeast14(),
        labelLarge = t.labelLarge.atLeast14(), labelMedium = t.labelMedium.atLeast14(), labelSmall = t.labelSmall.atLeast14(),
    )
}

/** The app's theme, with large text applied to every sp when the person chose it. */
@Composable
fun LifeCertTheme(largeText: Boolean, content: @Composable () -> Unit) {
    val density = LocalDensity.current
    val scale = if (largeText) LARGE_TEXT_SCALE else 1f
    MaterialTheme(typography = elderTypography()) {
        CompositionLocalProvider(LocalDensity provides Density(density.density, density.fontScale * scale), content = content)
    }
}
