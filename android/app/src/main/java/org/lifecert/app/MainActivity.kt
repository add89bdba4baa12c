package org.lifecert.app

import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.activity.enableEdgeToEdge
import androidx.activity.viewModels
import org.lifecert.app.ui.LifeCertActivityContent

/** Hosts the Compose screens; the ViewModel (and the core in it) outlives rotations. */
class MainActivity : ComponentActivity() {
    private val model: LifeCertViewModel by viewModels()

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        enableEdgeToEdge()
        setContent { LifeCertActivityContent(model) }
    }
}
