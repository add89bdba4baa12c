package org.lifecert.app

import android.content.Context

/** Release builds: the front camera, always. No file can stand in for it. */
fun frameFeed(context: Context, model: LifeCertViewModel): FrameFeed = CameraFeed(model::pushFrame)
