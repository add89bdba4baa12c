package org.lifecert.app.ui

import org.lifecert.core.receiptQrPng
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.graphics.asImageBitmap
import androidx.compose.foundation.Image
import android.graphics.BitmapFactory
import android.Manifest
import android.content.Intent
import android.content.pm.PackageManager
import android.net.Uri
import android.provider.Settings as SystemSettings
import androidx.activity.compose.BackHandler
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.camera.view.PreviewView
import androidx.compose.foundation.Canvas
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.BoxWithConstraints
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ColumnScope
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.selection.selectable
import androidx.compose.foundation.selection.selectableGroup
import androidx.compose.foundation.selection.toggleable
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.automirrored.filled.ArrowBack
import androidx.compose.material.icons.automirrored.filled.KeyboardArrowRight
import androidx.compose.material.icons.automirrored.filled.Login
import androidx.compose.material.icons.automirrored.filled.Logout
import androidx.compose.material.icons.filled.Block
import androidx.compose.material.icons.filled.CameraAlt
import androidx.compose.material.icons.filled.Cancel
import androidx.compose.material.icons.filled.Check
import androidx.compose.material.icons.filled.CheckCircle
import androidx.compose.material.icons.filled.Close
import androidx.compose.material.icons.filled.CloudOff
import androidx.compose.material.icons.filled.CloudUpload
import androidx.compose.material.icons.filled.East
import androidx.compose.material.icons.filled.Event
import androidx.compose.material.icons.filled.Face
import androidx.compose.material.icons.filled.FormatSize
import androidx.compose.material.icons.filled.History
import androidx.compose.material.icons.filled.Home
import androidx.compose.material.icons.filled.HourglassTop
import androidx.compose.material.icons.filled.HowToReg
import androidx.compose.material.icons.filled.Info
import androidx.compose.material.icons.filled.Language
import androidx.compose.material.icons.filled.Lightbulb
import androidx.compose.material.icons.filled.PauseCircle
import androidx.compose.material.icons.filled.People
import androidx.compose.material.icons.filled.PersonAdd
import androidx.compose.material.icons.filled.PrivacyTip
import androidx.compose.material.icons.filled.RecordVoiceOver
import androidx.compose.material.icons.filled.Refresh
import androidx.compose.material.icons.filled.Schedule
import androidx.compose.material.icons.filled.SentimentVerySatisfied
import androidx.compose.material.icons.filled.Settings
import androidx.compose.material.icons.filled.SwapVert
import androidx.compose.material.icons.filled.VerifiedUser
import androidx.compose.material.icons.filled.Visibility
import androidx.compose.material.icons.filled.Warning
import androidx.compose.material.icons.filled.West
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.Checkbox
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.RadioButton
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Surface
import androidx.compose.material3.Switch
import androidx.compose.material3.Text
import androidx.compose.material3.TopAppBar
import androidx.compose.runtime.Composable
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.geometry.Rect
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.Path
import androidx.compose.ui.graphics.PathFillType
import androidx.compose.ui.graphics.vector.ImageVector
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.platform.LocalDensity
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.text.TextStyle
import androidx.compose.ui.text.input.ImeAction
import androidx.compose.ui.text.input.KeyboardCapitalization
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.text.input.PasswordVisualTransformation
import androidx.compose.ui.text.input.VisualTransformation
import androidx.compose.ui.unit.Density
import androidx.compose.ui.unit.dp
import androidx.compose.ui.viewinterop.AndroidView
import androidx.core.content.ContextCompat
import androidx.lifecycle.compose.LocalLifecycleOwner
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.lifecert.app.CameraFeed
import org.lifecert.app.LifeCertViewModel
import org.lifecert.app.Shell
import org.lifecert.domain.Action
import org.lifecert.core.AppView
import org.lifecert.core.Event
import org.lifecert.liveness.LivenessUpdate
import org.lifecert.domain.Message
import org.lifecert.core.PersonCard
import org.lifecert.core.RecordRow
import org.lifecert.core.ResultKind
import org.lifecert.core.Screen
import org.lifecert.domain.StatusKind

// Draws AppView and forwards taps; nothing here decides anything. Words come
// from the core's Messages (`display`); Labels only names buttons and fields.

private val MinTouch = 64.dp
private const val LARGE_TEXT_SCALE = 1.35f

@Composable
fun LifeCertRoot(model: LifeCertViewModel) {
    val shell by model.shell.collectAsStateWithLifecycle()
    MaterialTheme {
        when (val s = shell) {
            Shell.Starting -> Box(Modifier.fillMaxSize(), contentAlignment = Alignment.Center) { CircularProgressIndicator() }
            is Shell.Failed -> Page(null) { IconLine(Icons.Filled.Warning, startupFailedText(s.language), MaterialTheme.typography.headlineSmall) }
            is Shell.Showing -> AppScreen(s.view, model)
        }
    }
}

@OptIn(ExperimentalMaterial3Api::class)
@Composable
private fun AppScreen(view: AppView, model: LifeCertViewModel) {
    val l = labelsFor(view.language)
    // System back goes to the core's previous screen; at the root it leaves the app.
    BackHandler(enabled = view.canGoBack) { model.send(Event.Back) }
    TextScale(view.largeText) {
        Scaffold(
            topBar = {
                TopAppBar(
                    title = { Text(view.title.display, style = MaterialTheme.typography.headlineSmall) },
                    navigationIcon = {
                        if (view.canGoBack) {
                            IconButton(onClick = { model.send(Event.Back) }, modifier = Modifier.size(MinTouch)) {
                                Icon(Icons.AutoMirrored.Filled.ArrowBack, contentDescription = l.back)
                            }
                        }
                    },
                )
            },
        ) { padding ->
            Column(Modifier.padding(padding).fillMaxSize()) {
                // Busy: a network call runs; the screen and its buttons stay.
                if (view.busy) LinearProgressIndicator(Modifier.fillMaxWidth())
                view.problem?.let { ProblemBanner(it.message) }
                Body(view, l, model)
            }
        }
    }
}

@Composable
private fun Body(view: AppView, l: Labels, model: LifeCertViewModel) {
    when (val s = view.screen) {
        is Screen.Welcome -> Page(view.instruction) {
            BigButton(l.logIn, Icons.AutoMirrored.Filled.Login, onClick = { model.send(Event.ShowLogIn) })
            BigButton(l.register, Icons.Filled.HowToReg, primary = false, onClick = { model.send(Event.ShowRegister) })
        }
        is Screen.Register -> RegisterPage(view, l, model)
        is Screen.LogIn -> LogInPage(view, l, model)
        is Screen.Home -> HomePage(s, view, l, model)
        is Screen.ChooseWho -> Page(view.instruction) {
            s.people.forEach { p -> PersonCardView(p, onClick = { model.send(Event.Select(p.personId)) }) }
        }
        is Screen.AddRelative -> AddRelativePage(view, l, model)
        is Screen.Consent -> Page(view.instruction) {
            PersonCardView(s.subject)
            s.points.forEach { IconLine(Icons.Filled.PrivacyTip, it.display) }
            BigButton(l.agree, Icons.Filled.Check, enabled = !view.busy, onClick = { model.send(Event.GiveConsent) })
            BigButton(l.decline, Icons.Filled.Close, primary = false, onClick = { model.send(Event.DeclineConsent) })
        }
        is Screen.TemplatePreview -> Page(view.instruction) {
            TemplatePhoto(s.templatePhoto, s.subject.name)
            PersonCardView(s.subject)
            Spinner()
        }
        is Screen.CameraPermission -> CameraPermissionPage(s.actions, s.templatePhoto, s.subject.name, view, l, model)
        is Screen.Capture -> CapturePage(s.update, l, model)
        is Screen.Uploading -> Page(view.instruction) {
            IconLine(Icons.Filled.CloudUpload, s.subject.name, MaterialTheme.typography.titleLarge)
            if (s.totalBytes > 0uL) {
                // How far, in a bar and (the instruction above) in words.
                LinearProgressIndicator(
                    progress = { s.sentBytes.toFloat() / s.totalBytes.toFloat() },
                    modifier = Modifier.fillMaxWidth().height(12.dp),
                )
            } else {
                Spinner()
            }
        }
        is Screen.QueuedOffline -> Page(null) {
            IconLine(Icons.Filled.CloudOff, s.message.display, MaterialTheme.typography.headlineSmall)
            BigButton(l.sendNow, Icons.Filled.CloudUpload, enabled = !view.busy, onClick = { model.send(Event.RetryUploads) })
            BigButton(l.home, Icons.Filled.Home, primary = false, onClick = { model.send(Event.RefreshHome) })
        }
        is Screen.Result -> ResultPage(s, view.busy, l, model)
        is Screen.Blocked -> Page(null) {
            IconLine(Icons.Filled.Block, s.problem.message.display, MaterialTheme.typography.headlineSmall)
            PersonCardView(s.subject)
            BigButton(l.home, Icons.Filled.Home, onClick = { model.send(Event.RefreshHome) })
        }
        is Screen.Records -> RecordsPage(s.rows, view.instruction, l)
        is Screen.Settings -> SettingsPage(view, l, model)
    }
}

// ---- pages with their own state or layout ----

@Composable
private fun RegisterPage(view: AppView, l: Labels, model: LifeCertViewModel) {
    var name by rememberSaveable { mutableStateOf("") }
    var idNumber by rememberSaveable { mutableStateOf("") }
    var password by remember { mutableStateOf("") } // never written to saved state
    var mobile by rememberSaveable { mutableStateOf("") }
    var mobileAgain by rememberSaveable { mutableStateOf("") }
    var terms by rememberSaveable { mutableStateOf(false) }
    // No checks here: the core (and the server, with the same rules) answer with a problem.
    Page(view.instruction) {
        Field(name, { name = it }, l.name, NameKeys)
        Field(idNumber, { idNumber = it }, l.idNumber, IdKeys)
        Field(password, { password = it }, l.password, PasswordKeys, secret = true)
        Field(mobile, { mobile = it }, l.mobile, PhoneKeys)
        Field(mobileAgain, { mobileAgain = it }, l.mobileAgain, PhoneKeys)
        Row(
            Modifier.fillMaxWidth().heightIn(min = MinTouch).toggleable(terms, role = Role.Checkbox) { terms = it },
            verticalAlignment = Alignment.CenterVertically,
        ) {
            Checkbox(checked = terms, onCheckedChange = null)
            Spacer(Modifier.width(12.dp))
            Text(l.acceptTerms, style = MaterialTheme.typography.bodyLarge)
        }
        BigButton(l.register, Icons.Filled.HowToReg, enabled = !view.busy) {
            model.send(Event.Register(name, idNumber, password, mobile, mobileAgain, terms))
        }
    }
}

@Composable
private fun LogInPage(view: AppView, l: Labels, model: LifeCertViewModel) {
    var idNumber by rememberSaveable { mutableStateOf("") }
    var password by remember { mutableStateOf("") }
    Page(view.instruction) {
        Field(idNumber, { idNumber = it }, l.idNumber, IdKeys)
        Field(password, { password = it }, l.password, PasswordKeys.copy(imeAction = ImeAction.Done), secret = true)
        BigButton(l.logIn, Icons.AutoMirrored.Filled.Login, enabled = !view.busy) { model.send(Event.LogIn(idNumber, password)) }
    }
}

@Composable
private fun AddRelativePage(view: AppView, l: Labels, model: LifeCertViewModel) {
    var name by rememberSaveable { mutableStateOf("") }
    var idNumber by rememberSaveable { mutableStateOf("") }
    var relation by rememberSaveable { mutableStateOf("") }
    Page(view.instruction) {
        Field(name, { name = it }, l.name, NameKeys)
        Field(idNumber, { idNumber = it }, l.idNumber, IdKeys)
        Field(relation, { relation = it }, l.relation, NameKeys.copy(imeAction = ImeAction.Done))
        BigButton(l.addRelative, Icons.Filled.PersonAdd, enabled = !view.busy) { model.send(Event.AddRelative(name, idNumber, relation)) }
    }
}

@Composable
private fun HomePage(s: Screen.Home, view: AppView, l: Labels, model: LifeCertViewModel) {
    Page(view.instruction) {
        PersonCardView(s.me)
        BigButton(l.start, Icons.Filled.Face, onClick = { model.send(Event.ChooseWho) })
        if (s.queuedUploads > 0u) {
            Card(Modifier.fillMaxWidth()) {
                Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
                    IconLine(Icons.Filled.CloudUpload, l.queued(s.queuedUploads))
                    BigButton(l.sendNow, Icons.Filled.CloudUpload, primary = false, enabled = !view.busy, onClick = { model.send(Event.RetryUploads) })
                }
            }
        }
        s.requests.forEach { r ->
            Card(Modifier.fillMaxWidth()) {
                Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
                    IconLine(Icons.Filled.People, r.message.display)
                    BigButton(l.accept, Icons.Filled.Check, enabled = !view.busy) { model.send(Event.AcceptRequest(r.bindingId)) }
                }
            }
        }
        s.relatives.forEach { PersonCardView(it) }
        BigButton(l.addRelative, Icons.Filled.PersonAdd, primary = false, onClick = { model.send(Event.ShowAddRelative) })
        BigButton(l.records, Icons.Filled.History, primary = false, onClick = { model.send(Event.ShowRecords) })
        BigButton(l.settings, Icons.Filled.Settings, primary = false, onClick = { model.send(Event.ShowSettings) })
        BigButton(l.refresh, Icons.Filled.Refresh, primary = false, enabled = !view.busy, onClick = { model.send(Event.RefreshHome) })
    }
}

@Composable
private fun CameraPermissionPage(actions: List<Action>, photo: ByteArray?, name: String, view: AppView, l: Labels, model: LifeCertViewModel) {
    val context = LocalContext.current
    var refused by rememberSaveable { mutableStateOf(false) }
    val ask = rememberLauncherForActivityResult(ActivityResultContracts.RequestPermission()) { granted ->
        refused = !granted
        if (granted) model.send(Event.CameraReady)
    }
    Page(view.instruction) {
        TemplatePhoto(photo, name)
        // The steps ahead, in order, so nothing on the next screen is a surprise.
        actions.forEachIndexed { i, a -> IconLine(actionIcon(a), "${i + 1}. ${l.action(a)}", MaterialTheme.typography.titleLarge) }
        BigButton(l.allowCamera, Icons.Filled.CameraAlt, enabled = !view.busy) {
            val granted = ContextCompat.checkSelfPermission(context, Manifest.permission.CAMERA) == PackageManager.PERMISSION_GRANTED
            if (granted) model.send(Event.CameraReady) else ask.launch(Manifest.permission.CAMERA)
        }
        // Once refused for good, Android stops asking: only Settings can allow it.
        if (refused) {
            BigButton(l.openSystemSettings, Icons.Filled.Settings, primary = false) {
                context.startActivity(Intent(SystemSettings.ACTION_APPLICATION_DETAILS_SETTINGS, Uri.fromParts("package", context.packageName, null)))
            }
        }
    }
}

@Composable
private fun CapturePage(update: LivenessUpdate, l: Labels, model: LifeCertViewModel) {
    Column(Modifier.fillMaxSize()) {
        BoxWithConstraints(Modifier.weight(1f).fillMaxWidth(), contentAlignment = Alignment.Center) {
            val diameter = minOf(maxWidth, maxHeight) * 0.8f
            CameraPreview(model, Modifier.fillMaxSize())
            // Dim everything but the circle the face goes in.
            Canvas(Modifier.fillMaxSize()) {
                val hole = Rect(center, diameter.toPx() / 2)
                val scrim = Path().apply {
                    fillType = PathFillType.EvenOdd
                    addRect(Rect(Offset.Zero, size))
                    addOval(hole)
                }
                drawPath(scrim, Color.Black.copy(alpha = 0.55f))
            }
            // The circle's rim is the progress ring.
            CircularProgressIndicator(
                progress = { update.progress },
                modifier = Modifier.size(diameter),
                strokeWidth = 12.dp,
                trackColor = Color.White.copy(alpha = 0.4f),
            )
        }
        Column(Modifier.fillMaxWidth().padding(24.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            Text(update.prompt.display, style = MaterialTheme.typography.displaySmall)
            if (update.totalSteps > 0u) {
                Text(l.step(update.doneSteps, update.totalSteps), style = MaterialTheme.typography.titleLarge)
            }
        }
    }
}

/** The front camera's mirrored preview; the frames go to the core through CameraFeed. */
@Composable
private fun CameraPreview(model: LifeCertViewModel, modifier: Modifier) {
    val context = LocalContext.current
    val owner = LocalLifecycleOwner.current
    val previewView = remember { PreviewView(context).apply { scaleType = PreviewView.ScaleType.FILL_CENTER } }
    DisposableEffect(owner) {
        val feed = CameraFeed(model::pushFrame)
        feed.start(context, owner, previewView)
        onDispose { feed.stop() }
    }
    AndroidView(factory = { previewView }, modifier = modifier)
}

@Composable
private fun ResultPage(s: Screen.Result, busy: Boolean, l: Labels, model: LifeCertViewModel) {
    Page(null) {
        Row(verticalAlignment = Alignment.CenterVertically) {
            Icon(resultIcon(s.kind), contentDescription = null, modifier = Modifier.size(MinTouch), tint = resultTint(s.kind))
            Spacer(Modifier.width(16.dp))
            Text(l.kind(s.kind), style = MaterialTheme.typography.headlineMedium)
        }
        Text(s.message.display, style = MaterialTheme.typography.headlineSmall)
        s.advice?.let { IconLine(Icons.Filled.Lightbulb, it.display) }
        if (s.receiptVerified) IconLine(Icons.Filled.VerifiedUser, l.receiptVerified)
        s.receiptCode?.let { code -> ReceiptCode(code, l.receiptCode) }
        s.nextDue?.let { IconLine(Icons.Filled.Event, l.nextDue(it)) }
        if (s.kind == ResultKind.FAILED) BigButton(l.retry, Icons.Filled.Refresh, enabled = !busy, onClick = { model.send(Event.Retry) })
        BigButton(l.home, Icons.Filled.Home, primary = s.kind != ResultKind.FAILED, onClick = { model.send(Event.RefreshHome) })
    }
}

/** The template photo (模板照片) certd keeps, small and grey, with the name: the right person is certified. */
@Composable
private fun TemplatePhoto(jpeg: ByteArray?, name: String) {
    val photo = remember(jpeg) { jpeg?.let { BitmapFactory.decodeByteArray(it, 0, it.size)?.asImageBitmap() } } ?: return
    Image(photo, contentDescription = name, modifier = Modifier.size(width = 120.dp, height = 160.dp).testTag("template-photo"))
}

/** The verified receipt as a QR code a counter scans, with what it is for. */
@Composable
private fun ReceiptCode(code: String, caption: String) {
    val qr = remember(code) {
        receiptQrPng(code).takeIf { it.isNotEmpty() }
            ?.let { BitmapFactory.decodeByteArray(it, 0, it.size)?.asImageBitmap() }
    } ?: return
    Image(qr, contentDescription = caption, modifier = Modifier.size(240.dp).testTag("receipt-qr"))
    Text(caption, style = MaterialTheme.typography.bodyLarge)
}

@Composable
private fun RecordsPage(rows: List<RecordRow>, instruction: Message, l: Labels) {
    LazyColumn(
        Modifier.fillMaxSize(),
        contentPadding = PaddingValues(16.dp),
        verticalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        item { Instruction(instruction) }
        items(rows, key = { it.certificationId }) { row ->
            Card(Modifier.fillMaxWidth()) {
                Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(6.dp)) {
                    // `summary` already starts with ✔ / ✘ / …: state in words and a sign.
                    IconLine(resultIcon(row.kind), row.summary.display, MaterialTheme.typography.titleLarge)
                    Text(row.subjectName, style = MaterialTheme.typography.titleMedium)
                    Text(row.by.display, style = MaterialTheme.typography.bodyLarge)
                    Text(l.date(row.date), style = MaterialTheme.typography.bodyLarge)
                    row.advice?.let { IconLine(Icons.Filled.Lightbulb, it.display) }
                    if (row.receiptVerified) IconLine(Icons.Filled.VerifiedUser, l.receiptVerified)
                }
            }
        }
    }
}

@Composable
private fun SettingsPage(view: AppView, l: Labels, model: LifeCertViewModel) {
    Page(view.instruction) {
        IconLine(Icons.Filled.Language, l.language, MaterialTheme.typography.titleLarge)
        Column(Modifier.selectableGroup()) {
            languageNames.forEach { (language, name) ->
                Row(
                    Modifier.fillMaxWidth().heightIn(min = MinTouch)
                        .selectable(view.language == language, role = Role.RadioButton) { model.send(Event.SetLanguage(language)) },
                    verticalAlignment = Alignment.CenterVertically,
                ) {
                    RadioButton(selected = view.language == language, onClick = null)
                    Spacer(Modifier.width(12.dp))
                    Text(name, style = MaterialTheme.typography.titleLarge)
                }
            }
        }
        HorizontalDivider()
        ToggleRow(Icons.Filled.FormatSize, l.largeText, view.largeText, { model.send(Event.SetLargeText(it)) })
        ToggleRow(Icons.Filled.RecordVoiceOver, l.voice, view.voiceOn, { model.send(Event.SetVoice(it)) })
        HorizontalDivider()
        BigButton(l.logOut, Icons.AutoMirrored.Filled.Logout, primary = false, onClick = { model.send(Event.LogOut) })
    }
}

// ---- building blocks ----

/** Large text scales every sp on the screen, on top of the phone's own font size. */
@Composable
private fun TextScale(large: Boolean, content: @Composable () -> Unit) {
    val density = LocalDensity.current
    val scale = if (large) LARGE_TEXT_SCALE else 1f
    CompositionLocalProvider(LocalDensity provides Density(density.density, density.fontScale * scale), content = content)
}

/** A scrolling page: the core's instruction first (when it is not the page's own message). */
@Composable
private fun Page(instruction: Message?, content: @Composable ColumnScope.() -> Unit) {
    Column(
        Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp),
        verticalArrangement = Arrangement.spacedBy(16.dp),
    ) {
        instruction?.let { Instruction(it) }
        content()
    }
}

@Composable
private fun Instruction(message: Message) {
    Text(message.display, style = MaterialTheme.typography.headlineSmall)
}

@Composable
private fun ProblemBanner(message: Message) {
    Surface(color = MaterialTheme.colorScheme.errorContainer, modifier = Modifier.fillMaxWidth()) {
        Box(Modifier.padding(16.dp)) {
            IconLine(Icons.Filled.Warning, message.display, MaterialTheme.typography.titleMedium)
        }
    }
}

@Composable
private fun Spinner() {
    Box(Modifier.fillMaxWidth(), contentAlignment = Alignment.Center) { CircularProgressIndicator(Modifier.size(MinTouch)) }
}

/** An icon beside the words that carry the meaning (the icon is decoration for TalkBack). */
@Composable
private fun IconLine(icon: ImageVector, text: String, style: TextStyle = MaterialTheme.typography.bodyLarge) {
    Row(verticalAlignment = Alignment.CenterVertically) {
        Icon(icon, contentDescription = null, modifier = Modifier.size(32.dp))
        Spacer(Modifier.width(12.dp))
        Text(text, style = style)
    }
}

@Composable
private fun BigButton(text: String, icon: ImageVector, primary: Boolean = true, enabled: Boolean = true, onClick: () -> Unit) {
    val modifier = Modifier.fillMaxWidth().heightIn(min = MinTouch)
    val content: @Composable () -> Unit = {
        Icon(icon, contentDescription = null, modifier = Modifier.size(28.dp))
        Spacer(Modifier.width(12.dp))
        Text(text, style = MaterialTheme.typography.titleLarge)
    }
    if (primary) {
        Button(onClick, modifier, enabled) { content() }
    } else {
        OutlinedButton(onClick, modifier, enabled) { content() }
    }
}

@Composable
private fun ToggleRow(icon: ImageVector, text: String, on: Boolean, onChange: (Boolean) -> Unit) {
    Row(
        Modifier.fillMaxWidth().heightIn(min = MinTouch).toggleable(on, role = Role.Switch, onValueChange = onChange),
        verticalAlignment = Alignment.CenterVertically,
    ) {
        Icon(icon, contentDescription = null, modifier = Modifier.size(32.dp))
        Spacer(Modifier.width(12.dp))
        Text(text, style = MaterialTheme.typography.titleLarge, modifier = Modifier.weight(1f))
        Switch(checked = on, onCheckedChange = null)
    }
}

@Composable
private fun Field(value: String, onChange: (String) -> Unit, label: String, keys: KeyboardOptions, secret: Boolean = false) {
    OutlinedTextField(
        value = value,
        onValueChange = onChange,
        label = { Text(label) },
        singleLine = true,
        textStyle = MaterialTheme.typography.titleLarge,
        keyboardOptions = keys,
        visualTransformation = if (secret) PasswordVisualTransformation() else VisualTransformation.None,
        modifier = Modifier.fillMaxWidth().heightIn(min = MinTouch),
    )
}

private val NameKeys = KeyboardOptions(keyboardType = KeyboardType.Text, imeAction = ImeAction.Next)
// ID numbers end in a digit or X.
private val IdKeys = KeyboardOptions(keyboardType = KeyboardType.Ascii, capitalization = KeyboardCapitalization.Characters, autoCorrectEnabled = false, imeAction = ImeAction.Next)
private val PasswordKeys = KeyboardOptions(keyboardType = KeyboardType.Password, autoCorrectEnabled = false, imeAction = ImeAction.Next)
private val PhoneKeys = KeyboardOptions(keyboardType = KeyboardType.Phone, imeAction = ImeAction.Next)

/** One person: name, relation, masked ID, and the status in words with an icon. */
@Composable
private fun PersonCardView(card: PersonCard, onClick: (() -> Unit)? = null) {
    val body: @Composable () -> Unit = {
        Row(Modifier.padding(16.dp).heightIn(min = MinTouch), verticalAlignment = Alignment.CenterVertically) {
            Column(Modifier.weight(1f), verticalArrangement = Arrangement.spacedBy(4.dp)) {
                Text(card.name, style = MaterialTheme.typography.headlineSmall)
                Text(card.relation.display, style = MaterialTheme.typography.titleMedium)
                Text(card.idMasked, style = MaterialTheme.typography.bodyLarge)
                IconLine(statusIcon(card), card.status.display)
                card.notes.forEach { Text(it.display, style = MaterialTheme.typography.bodyLarge) }
            }
            if (onClick != null) Icon(Icons.AutoMirrored.Filled.KeyboardArrowRight, contentDescription = null, modifier = Modifier.size(32.dp))
        }
    }
    if (onClick != null) {
        Card(onClick = onClick, modifier = Modifier.fillMaxWidth()) { body() }
    } else {
        Card(Modifier.fillMaxWidth()) { body() }
    }
}

private fun statusIcon(card: PersonCard): ImageVector = when {
    card.bindingPending -> Icons.Filled.HourglassTop
    else -> when (card.statusKind) {
        StatusKind.UP_TO_DATE -> Icons.Filled.CheckCircle
        StatusKind.DUE -> Icons.Filled.Schedule
        StatusKind.SUSPENDED -> Icons.Filled.PauseCircle
        StatusKind.STOPPED -> Icons.Filled.Block
        StatusKind.NOT_IN_SCOPE -> Icons.Filled.Info
    }
}

private fun resultIcon(kind: ResultKind): ImageVector = when (kind) {
    ResultKind.PASSED -> Icons.Filled.CheckCircle
    ResultKind.FAILED -> Icons.Filled.Cancel
    ResultKind.PENDING_REVIEW -> Icons.Filled.HourglassTop
}

/** Colour only reinforces the icon and the words beside it. */
@Composable
private fun resultTint(kind: ResultKind): Color = when (kind) {
    ResultKind.PASSED -> Color(0xFF1B5E20)
    ResultKind.FAILED -> MaterialTheme.colorScheme.error
    ResultKind.PENDING_REVIEW -> MaterialTheme.colorScheme.onSurfaceVariant
}

private fun actionIcon(action: Action): ImageVector = when (action) {
    Action.BLINK -> Icons.Filled.Visibility
    Action.OPEN_MOUTH -> Icons.Filled.SentimentVerySatisfied
    // The preview is a mirror: the person's own left is the screen's left.
    Action.TURN_LEFT -> Icons.Filled.West
    Action.TURN_RIGHT -> Icons.Filled.East
    Action.NOD -> Icons.Filled.SwapVert
}
