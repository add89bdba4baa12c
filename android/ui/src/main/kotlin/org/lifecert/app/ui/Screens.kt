package org.lifecert.app.ui

import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.semantics.LiveRegionMode
import androidx.compose.ui.semantics.liveRegion
import androidx.compose.material.icons.filled.VoiceOverOff
import org.lifecert.core.receiptQrPng
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.foundation.Image
import androidx.compose.foundation.Canvas
import androidx.compose.foundation.background
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
import androidx.compose.foundation.lazy.itemsIndexed
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
import androidx.compose.material.icons.filled.ContactMail
import androidx.compose.material.icons.filled.Save
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
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.text.TextStyle
import androidx.compose.ui.text.input.ImeAction
import androidx.compose.ui.text.input.KeyboardCapitalization
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.text.input.PasswordVisualTransformation
import androidx.compose.ui.text.input.VisualTransformation
import androidx.compose.ui.unit.dp
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
import org.lifecert.domain.Language

// Draws AppView and forwards taps; nothing here decides anything. Words come
// from the core's Messages (`display`); Labels only names buttons and fields.
// Every element a test or a device farm reads or taps has an id from [Ids].

/** The whole app: start-up, or the core's current screen. */
@Composable
fun LifeCertRoot(shell: Shell, send: (Event) -> Unit, platform: Platform, voiceMissing: Boolean = false) {
    when (shell) {
        Shell.Starting -> LifeCertTheme(false) {
            Box(Modifier.fillMaxSize().testTag(Ids.STARTING), contentAlignment = Alignment.Center) { CircularProgressIndicator() }
        }
        is Shell.Failed -> LifeCertTheme(false) {
            Page(null) { IconLine(Icons.Filled.Warning, startupFailedText(shell.language), MaterialTheme.typography.headlineSmall, Ids.STARTUP_FAILED) }
        }
        is Shell.Showing -> AppScreen(shell.view, send, platform, voiceMissing)
    }
}

@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun AppScreen(view: AppView, send: (Event) -> Unit, platform: Platform, voiceMissing: Boolean = false) {
    val l = labelsFor(view.language)
    LifeCertTheme(view.largeText) {
        Scaffold(
            topBar = {
                TopAppBar(
                    title = { Text(view.title.display, style = MaterialTheme.typography.headlineSmall, modifier = Modifier.testTag(Ids.TITLE)) },
                    navigationIcon = {
                        if (view.canGoBack) {
                            IconButton(onClick = { send(Event.Back) }, modifier = Modifier.size(MinTouch).testTag(Ids.BACK)) {
                                Icon(Icons.AutoMirrored.Filled.ArrowBack, contentDescription = l.back)
                            }
                        }
                    },
                )
            },
        ) { padding ->
            Column(Modifier.padding(padding).fillMaxSize()) {
                // Busy: a network call runs; the screen and its buttons stay.
                if (view.busy) LinearProgressIndicator(Modifier.fillMaxWidth().testTag(Ids.BUSY))
                view.problem?.let { ProblemBanner(it.message) }
                // Spoken prompts are on but the phone has no voice for them: say so, in writing.
                if (voiceMissing && view.voiceOn) {
                    Box(Modifier.padding(horizontal = 16.dp)) { IconLine(Icons.Filled.VoiceOverOff, l.voiceMissing, tag = Ids.VOICE_MISSING) }
                }
                Body(view, l, send, platform)
            }
        }
    }
}

@Composable
private fun Body(view: AppView, l: Labels, send: (Event) -> Unit, platform: Platform) {
    when (val s = view.screen) {
        is Screen.Welcome -> Page(view.instruction) {
            BigButton(l.logIn, Icons.AutoMirrored.Filled.Login, Ids.WELCOME_LOG_IN, onClick = { send(Event.ShowLogIn) })
            BigButton(l.register, Icons.Filled.HowToReg, Ids.WELCOME_REGISTER, primary = false, onClick = { send(Event.ShowRegister) })
        }
        is Screen.Register -> RegisterPage(view, l, send)
        is Screen.LogIn -> LogInPage(view, l, send)
        is Screen.Home -> HomePage(s, view, l, send)
        is Screen.ChooseWho -> Page(view.instruction) {
            s.people.forEachIndexed { i, p -> PersonCardView(p, Ids.WHO_ + i, onClick = { send(Event.Select(p.personId)) }) }
        }
        is Screen.AddRelative -> AddRelativePage(view, l, send)
        is Screen.Consent -> Page(view.instruction) {
            PersonCardView(s.subject, Ids.CONSENT_SUBJECT)
            s.points.forEachIndexed { i, point -> IconLine(Icons.Filled.PrivacyTip, point.display, tag = Ids.CONSENT_POINT_ + i) }
            BigButton(l.agree, Icons.Filled.Check, Ids.CONSENT_AGREE, enabled = !view.busy, onClick = { send(Event.GiveConsent) })
            BigButton(l.decline, Icons.Filled.Close, Ids.CONSENT_DECLINE, primary = false, onClick = { send(Event.DeclineConsent) })
        }
        is Screen.TemplatePreview -> Page(view.instruction) {
            TemplatePhoto(s.templatePhoto, s.subject, platform)
            PersonCardView(s.subject, Ids.TEMPLATE_SUBJECT)
            Spinner()
        }
        is Screen.CameraPermission -> CameraPermissionPage(s, view, l, send, platform)
        is Screen.Capture -> CapturePage(s.update, l, platform)
        is Screen.Uploading -> Page(view.instruction) {
            IconLine(Icons.Filled.CloudUpload, s.subject.name, MaterialTheme.typography.titleLarge)
            if (s.totalBytes > 0uL) {
                // How far, in a bar and (the instruction above) in words.
                LinearProgressIndicator(
                    progress = { s.sentBytes.toFloat() / s.totalBytes.toFloat() },
                    modifier = Modifier.fillMaxWidth().height(12.dp).testTag(Ids.UPLOAD_PROGRESS),
                )
            } else {
                Spinner()
            }
        }
        is Screen.QueuedOffline -> Page(null) {
            IconLine(Icons.Filled.CloudOff, s.message.display, MaterialTheme.typography.headlineSmall, Ids.OFFLINE_MESSAGE)
            BigButton(l.sendNow, Icons.Filled.CloudUpload, Ids.OFFLINE_SEND_NOW, enabled = !view.busy, onClick = { send(Event.RetryUploads) })
            BigButton(l.home, Icons.Filled.Home, Ids.OFFLINE_HOME, primary = false, onClick = { send(Event.RefreshHome) })
        }
        is Screen.Result -> ResultPage(s, view.busy, l, send, platform)
        is Screen.Blocked -> Page(null) {
            IconLine(Icons.Filled.Block, s.problem.message.display, MaterialTheme.typography.headlineSmall, Ids.BLOCKED_MESSAGE)
            PersonCardView(s.subject)
            BigButton(l.home, Icons.Filled.Home, Ids.BLOCKED_HOME, onClick = { send(Event.RefreshHome) })
        }
        is Screen.Records -> RecordsPage(s.rows, view.instruction, l)
        is Screen.Contact -> ContactPage(s, view, l, send)
        is Screen.Settings -> SettingsPage(view, l, send)
    }
}

// ---- pages with their own state or layout ----

@Composable
private fun RegisterPage(view: AppView, l: Labels, send: (Event) -> Unit) {
    var name by rememberSaveable { mutableStateOf("") }
    var idNumber by rememberSaveable { mutableStateOf("") }
    var password by remember { mutableStateOf("") } // never written to saved state
    var mobile by rememberSaveable { mutableStateOf("") }
    var mobileAgain by rememberSaveable { mutableStateOf("") }
    var terms by rememberSaveable { mutableStateOf(false) }
    // No checks here: the core (and the server, with the same rules) answer with a problem.
    Page(view.instruction) {
        Field(name, { name = it }, l.name, NameKeys, Ids.REGISTER_NAME)
        Field(idNumber, { idNumber = it }, l.idNumber, IdKeys, Ids.REGISTER_ID_NUMBER)
        Field(password, { password = it }, l.password, PasswordKeys, Ids.REGISTER_PASSWORD, secret = true)
        Field(mobile, { mobile = it }, l.mobile, PhoneKeys, Ids.REGISTER_MOBILE)
        Field(mobileAgain, { mobileAgain = it }, l.mobileAgain, PhoneKeys, Ids.REGISTER_MOBILE_AGAIN)
        Row(
            Modifier.fillMaxWidth().heightIn(min = MinTouch).testTag(Ids.REGISTER_TERMS)
                .toggleable(terms, role = Role.Checkbox) { terms = it },
            verticalAlignment = Alignment.CenterVertically,
        ) {
            Checkbox(checked = terms, onCheckedChange = null)
            Spacer(Modifier.width(12.dp))
            Text(l.acceptTerms, style = MaterialTheme.typography.bodyLarge)
        }
        BigButton(l.register, Icons.Filled.HowToReg, Ids.REGISTER_SUBMIT, enabled = !view.busy) {
            send(Event.Register(name, idNumber, password, mobile, mobileAgain, terms))
        }
    }
}

@Composable
private fun LogInPage(view: AppView, l: Labels, send: (Event) -> Unit) {
    var idNumber by rememberSaveable { mutableStateOf("") }
    var password by remember { mutableStateOf("") }
    Page(view.instruction) {
        Field(idNumber, { idNumber = it }, l.idNumber, IdKeys, Ids.LOG_IN_ID_NUMBER)
        Field(password, { password = it }, l.password, PasswordKeys.copy(imeAction = ImeAction.Done), Ids.LOG_IN_PASSWORD, secret = true)
        BigButton(l.logIn, Icons.AutoMirrored.Filled.Login, Ids.LOG_IN_SUBMIT, enabled = !view.busy) { send(Event.LogIn(idNumber, password)) }
    }
}

@Composable
private fun AddRelativePage(view: AppView, l: Labels, send: (Event) -> Unit) {
    var name by rememberSaveable { mutableStateOf("") }
    var idNumber by rememberSaveable { mutableStateOf("") }
    var relation by rememberSaveable { mutableStateOf("") }
    Page(view.instruction) {
        Field(name, { name = it }, l.name, NameKeys, Ids.RELATIVE_NAME)
        Field(idNumber, { idNumber = it }, l.idNumber, IdKeys, Ids.RELATIVE_ID_NUMBER)
        Field(relation, { relation = it }, l.relation, NameKeys.copy(imeAction = ImeAction.Done), Ids.RELATIVE_RELATION)
        BigButton(l.addRelative, Icons.Filled.PersonAdd, Ids.RELATIVE_SUBMIT, enabled = !view.busy) { send(Event.AddRelative(name, idNumber, relation)) }
    }
}

@Composable
private fun HomePage(s: Screen.Home, view: AppView, l: Labels, send: (Event) -> Unit) {
    Page(view.instruction) {
        PersonCardView(s.me, Ids.HOME_ME)
        s.verifyFirst?.let { IconLine(Icons.Filled.Info, it.display, tag = Ids.HOME_VERIFY_FIRST) }
        BigButton(l.start, Icons.Filled.Face, Ids.HOME_START, onClick = { send(Event.ChooseWho) })
        BigButton(l.updateContact, Icons.Filled.ContactMail, Ids.HOME_CONTACT_ + 0, primary = false, onClick = { send(Event.ShowContact(s.me.personId)) })
        if (s.queuedUploads > 0u) {
            Card(Modifier.fillMaxWidth()) {
                Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
                    IconLine(Icons.Filled.CloudUpload, l.queued(s.queuedUploads), tag = Ids.HOME_QUEUED)
                    BigButton(l.sendNow, Icons.Filled.CloudUpload, Ids.HOME_SEND_NOW, primary = false, enabled = !view.busy, onClick = { send(Event.RetryUploads) })
                }
            }
        }
        s.requests.forEachIndexed { i, r ->
            Card(Modifier.fillMaxWidth()) {
                Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
                    IconLine(Icons.Filled.People, r.message.display, tag = Ids.HOME_REQUEST_ + i)
                    BigButton(l.accept, Icons.Filled.Check, Ids.HOME_REQUEST_ACCEPT_ + i, enabled = !view.busy) { send(Event.AcceptRequest(r.bindingId)) }
                }
            }
        }
        s.relatives.forEachIndexed { i, r ->
            PersonCardView(r, Ids.HOME_RELATIVE_ + i)
            // Only a relative who agreed: until then certd lets nobody act for them.
            if (!r.bindingPending) {
                BigButton("${l.updateContact}: ${r.name}", Icons.Filled.ContactMail, Ids.HOME_CONTACT_ + (i + 1), primary = false, onClick = { send(Event.ShowContact(r.personId)) })
            }
        }
        BigButton(l.addRelative, Icons.Filled.PersonAdd, Ids.HOME_ADD_RELATIVE, primary = false, onClick = { send(Event.ShowAddRelative) })
        BigButton(l.records, Icons.Filled.History, Ids.HOME_RECORDS, primary = false, onClick = { send(Event.ShowRecords) })
        BigButton(l.settings, Icons.Filled.Settings, Ids.HOME_SETTINGS, primary = false, onClick = { send(Event.ShowSettings) })
        BigButton(l.refresh, Icons.Filled.Refresh, Ids.HOME_REFRESH, primary = false, enabled = !view.busy, onClick = { send(Event.RefreshHome) })
    }
}

@Composable
private fun CameraPermissionPage(s: Screen.CameraPermission, view: AppView, l: Labels, send: (Event) -> Unit, platform: Platform) {
    var refused by rememberSaveable { mutableStateOf(false) }
    val ask = platform.rememberCameraRequest { granted ->
        refused = !granted
        if (granted) send(Event.CameraReady)
    }
    Page(view.instruction) {
        TemplatePhoto(s.templatePhoto, s.subject, platform)
        // The steps ahead, in order, so nothing on the next screen is a surprise.
        s.actions.forEachIndexed { i, a ->
            IconLine(actionIcon(a), "${i + 1}. ${l.action(a)}", MaterialTheme.typography.titleLarge, Ids.CAMERA_STEP_ + i)
        }
        BigButton(l.allowCamera, Icons.Filled.CameraAlt, Ids.CAMERA_ALLOW, enabled = !view.busy, onClick = ask)
        // Once refused for good, the phone stops asking: only its settings can allow it.
        if (refused) {
            BigButton(l.openSystemSettings, Icons.Filled.Settings, Ids.CAMERA_OPEN_SETTINGS, primary = false, onClick = platform::openAppSettings)
        }
    }
}

@Composable
private fun CapturePage(update: LivenessUpdate, l: Labels, platform: Platform) {
    // The light check: while the core learns the neutral face it names colours
    // for the screen to shine on the face (docs/liveness.md); the whole screen
    // around the circle shows them.
    val light = update.screenColour?.let { Color(it.red.toInt(), it.green.toInt(), it.blue.toInt()) }
    Column(Modifier.fillMaxSize().let { if (light != null) it.background(light) else it }) {
        BoxWithConstraints(Modifier.weight(1f).fillMaxWidth(), contentAlignment = Alignment.Center) {
            val diameter = minOf(maxWidth, maxHeight) * 0.8f
            platform.CameraPreview(Modifier.fillMaxSize().testTag(Ids.CAPTURE_CAMERA))
            // Dim everything but the circle the face goes in.
            Canvas(Modifier.fillMaxSize()) {
                val hole = Rect(center, diameter.toPx() / 2)
                val scrim = Path().apply {
                    fillType = PathFillType.EvenOdd
                    addRect(Rect(Offset.Zero, size))
                    addOval(hole)
                }
                drawPath(scrim, light ?: Color.Black.copy(alpha = 0.55f))
            }
            // The circle's rim is the progress ring; the steps are also in words below.
            CircularProgressIndicator(
                progress = { update.progress },
                modifier = Modifier.size(diameter).testTag(Ids.CAPTURE_PROGRESS),
                strokeWidth = 12.dp,
                trackColor = Color.White.copy(alpha = 0.4f),
            )
        }
        Column(Modifier.fillMaxWidth().padding(24.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            // A live region: TalkBack announces each new prompt (the app's own voice is quiet then).
            Text(
                update.prompt.display,
                style = MaterialTheme.typography.displaySmall,
                modifier = Modifier.testTag(Ids.CAPTURE_PROMPT).semantics { liveRegion = LiveRegionMode.Polite },
            )
            if (update.totalSteps > 0u) {
                Text(l.step(update.doneSteps, update.totalSteps), style = MaterialTheme.typography.titleLarge, modifier = Modifier.testTag(Ids.CAPTURE_STEP))
            }
        }
    }
}

@Composable
private fun ResultPage(s: Screen.Result, busy: Boolean, l: Labels, send: (Event) -> Unit, platform: Platform) {
    Page(null) {
        // The kind in words beside its icon: never colour alone.
        Row(verticalAlignment = Alignment.CenterVertically) {
            Icon(resultIcon(s.kind), contentDescription = null, modifier = Modifier.size(MinTouch), tint = resultTint(s.kind))
            Spacer(Modifier.width(16.dp))
            Text(l.kind(s.kind), style = MaterialTheme.typography.headlineMedium, modifier = Modifier.testTag(Ids.RESULT_KIND))
        }
        Text(s.message.display, style = MaterialTheme.typography.headlineSmall, modifier = Modifier.testTag(Ids.RESULT_MESSAGE))
        s.advice?.let { IconLine(Icons.Filled.Lightbulb, it.display, tag = Ids.RESULT_ADVICE) }
        if (s.receiptVerified) IconLine(Icons.Filled.VerifiedUser, l.receiptVerified, tag = Ids.RESULT_RECEIPT_VERIFIED)
        s.receiptCode?.let { code -> ReceiptCode(code, l.receiptCode, platform) }
        s.nextDue?.let { IconLine(Icons.Filled.Event, l.nextDue(it), tag = Ids.RESULT_NEXT_DUE) }
        if (s.kind == ResultKind.FAILED) BigButton(l.retry, Icons.Filled.Refresh, Ids.RESULT_RETRY, enabled = !busy, onClick = { send(Event.Retry) })
        BigButton(l.home, Icons.Filled.Home, Ids.RESULT_HOME, primary = s.kind != ResultKind.FAILED, onClick = { send(Event.RefreshHome) })
        // As Beijing's and Foshan's apps offer after certifying.
        BigButton(l.updateContact, Icons.Filled.ContactMail, Ids.RESULT_CONTACT, primary = false, onClick = { send(Event.ShowContact(s.subject.personId)) })
    }
}

@Composable
private fun ContactPage(s: Screen.Contact, view: AppView, l: Labels, send: (Event) -> Unit) {
    // Starts from what the agency keeps; what was typed stays when certd refuses it.
    var address by rememberSaveable(s.subject.personId) { mutableStateOf(s.current.address) }
    var postCode by rememberSaveable(s.subject.personId) { mutableStateOf(s.current.postCode) }
    var mobile by rememberSaveable(s.subject.personId) { mutableStateOf(s.current.mobile) }
    Page(view.instruction) {
        Text(s.subject.name, style = MaterialTheme.typography.headlineSmall, modifier = Modifier.testTag(Ids.CONTACT_SUBJECT))
        if (s.saved) {
            IconLine(Icons.Filled.Check, "${s.current.address}\n${s.current.postCode}\n${s.current.mobile}", MaterialTheme.typography.titleLarge)
            BigButton(l.done, Icons.Filled.Check, Ids.CONTACT_DONE, onClick = { send(Event.Back) })
        } else {
            Field(address, { address = it }, l.address, NameKeys, Ids.CONTACT_ADDRESS)
            Field(postCode, { postCode = it }, l.postCode, PostCodeKeys, Ids.CONTACT_POST_CODE)
            Field(mobile, { mobile = it }, l.mobile, PhoneKeys.copy(imeAction = ImeAction.Done), Ids.CONTACT_MOBILE)
            BigButton(l.save, Icons.Filled.Save, Ids.CONTACT_SAVE, enabled = !view.busy) { send(Event.SaveContact(address, postCode, mobile)) }
        }
    }
}

/** The template photo (模板照片) certd keeps, small and grey, with the name: the right person is certified. */
@Composable
private fun TemplatePhoto(jpeg: ByteArray?, subject: PersonCard, platform: Platform) {
    val photo = remember(jpeg) { jpeg?.let(platform::image) }
    val frame = Modifier.size(width = 120.dp, height = 160.dp)
    when {
        photo != null -> Image(photo, contentDescription = subject.name, modifier = frame.testTag(Ids.TEMPLATE_PHOTO))
        // The photo is on its way: its place is kept, so the buttons below do
        // not jump under a finger when it arrives.
        subject.templateEnrolled -> Box(frame.background(MaterialTheme.colorScheme.surfaceVariant))
    }
}

/** The verified receipt as a QR code a counter scans, with what it is for. */
@Composable
private fun ReceiptCode(code: String, caption: String, platform: Platform) {
    val qr = remember(code) { receiptQrPng(code).takeIf { it.isNotEmpty() }?.let(platform::image) } ?: return
    Image(qr, contentDescription = caption, modifier = Modifier.size(240.dp).testTag(Ids.RECEIPT_QR))
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
        itemsIndexed(rows, key = { _, row -> row.certificationId }) { i, row ->
            Card(Modifier.fillMaxWidth().testTag(Ids.RECORD_ + i)) {
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
private fun SettingsPage(view: AppView, l: Labels, send: (Event) -> Unit) {
    Page(view.instruction) {
        IconLine(Icons.Filled.Language, l.language, MaterialTheme.typography.titleLarge)
        Column(Modifier.selectableGroup()) {
            languageNames.forEach { (language, name) ->
                Row(
                    Modifier.fillMaxWidth().heightIn(min = MinTouch).testTag(Ids.SETTINGS_LANGUAGE_ + languageTag(language))
                        .selectable(view.language == language, role = Role.RadioButton) { send(Event.SetLanguage(language)) },
                    verticalAlignment = Alignment.CenterVertically,
                ) {
                    RadioButton(selected = view.language == language, onClick = null)
                    Spacer(Modifier.width(12.dp))
                    Text(name, style = MaterialTheme.typography.titleLarge)
                }
            }
        }
        HorizontalDivider()
        ToggleRow(Icons.Filled.FormatSize, l.largeText, view.largeText, Ids.SETTINGS_LARGE_TEXT) { send(Event.SetLargeText(it)) }
        ToggleRow(Icons.Filled.RecordVoiceOver, l.voice, view.voiceOn, Ids.SETTINGS_VOICE) { send(Event.SetVoice(it)) }
        HorizontalDivider()
        BigButton(l.logOut, Icons.AutoMirrored.Filled.Logout, Ids.SETTINGS_LOG_OUT, primary = false, onClick = { send(Event.LogOut) })
    }
}

/** "zh-hans", "zh-hant", "en": the index of the language ids. */
fun languageTag(language: Language): String = when (language) {
    Language.ZH_HANS -> "zh-hans"
    Language.ZH_HANT -> "zh-hant"
    Language.EN -> "en"
}

// ---- building blocks ----

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
    Text(message.display, style = MaterialTheme.typography.headlineSmall, modifier = Modifier.testTag(Ids.INSTRUCTION).semantics { liveRegion = LiveRegionMode.Polite })
}

@Composable
private fun ProblemBanner(message: Message) {
    // The warning icon and the words carry it; the colour only reinforces.
    Surface(color = MaterialTheme.colorScheme.errorContainer, modifier = Modifier.fillMaxWidth()) {
        Box(Modifier.padding(16.dp)) {
            IconLine(Icons.Filled.Warning, message.display, MaterialTheme.typography.titleMedium, Ids.PROBLEM, live = true)
        }
    }
}

@Composable
private fun Spinner() {
    Box(Modifier.fillMaxWidth(), contentAlignment = Alignment.Center) { CircularProgressIndicator(Modifier.size(MinTouch)) }
}

/** An icon beside the words that carry the meaning (the icon is decoration for TalkBack). */
@Composable
private fun IconLine(icon: ImageVector, text: String, style: TextStyle = MaterialTheme.typography.bodyLarge, tag: String? = null, live: Boolean = false) {
    Row(verticalAlignment = Alignment.CenterVertically) {
        Icon(icon, contentDescription = null, modifier = Modifier.size(32.dp))
        Spacer(Modifier.width(12.dp))
        val modifier = (if (tag != null) Modifier.testTag(tag) else Modifier)
            .let { if (live) it.semantics { liveRegion = LiveRegionMode.Assertive } else it }
        Text(text, style = style, modifier = modifier)
    }
}

@Composable
private fun BigButton(text: String, icon: ImageVector, tag: String, primary: Boolean = true, enabled: Boolean = true, onClick: () -> Unit) {
    // The words are the button's spoken label too.
    val modifier = Modifier.fillMaxWidth().heightIn(min = MinTouch).testTag(tag).semantics { contentDescription = text }
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
private fun ToggleRow(icon: ImageVector, text: String, on: Boolean, tag: String, onChange: (Boolean) -> Unit) {
    // The switch's position and its announced state say on/off, not its colour.
    Row(
        Modifier.fillMaxWidth().heightIn(min = MinTouch).testTag(tag).toggleable(on, role = Role.Switch, onValueChange = onChange),
        verticalAlignment = Alignment.CenterVertically,
    ) {
        Icon(icon, contentDescription = null, modifier = Modifier.size(32.dp))
        Spacer(Modifier.width(12.dp))
        Text(text, style = MaterialTheme.typography.titleLarge, modifier = Modifier.weight(1f))
        Switch(checked = on, onCheckedChange = null)
    }
}

@Composable
private fun Field(value: String, onChange: (String) -> Unit, label: String, keys: KeyboardOptions, tag: String, secret: Boolean = false) {
    OutlinedTextField(
        value = value,
        onValueChange = onChange,
        label = { Text(label) },
        singleLine = true,
        textStyle = MaterialTheme.typography.titleLarge,
        keyboardOptions = keys,
        visualTransformation = if (secret) PasswordVisualTransformation() else VisualTransformation.None,
        modifier = Modifier.fillMaxWidth().heightIn(min = MinTouch).testTag(tag).semantics { contentDescription = label },
    )
}

private val NameKeys = KeyboardOptions(keyboardType = KeyboardType.Text, imeAction = ImeAction.Next)
// ID numbers end in a digit or X.
private val IdKeys = KeyboardOptions(keyboardType = KeyboardType.Ascii, capitalization = KeyboardCapitalization.Characters, autoCorrectEnabled = false, imeAction = ImeAction.Next)
private val PasswordKeys = KeyboardOptions(keyboardType = KeyboardType.Password, autoCorrectEnabled = false, imeAction = ImeAction.Next)
private val PhoneKeys = KeyboardOptions(keyboardType = KeyboardType.Phone, imeAction = ImeAction.Next)
private val PostCodeKeys = KeyboardOptions(keyboardType = KeyboardType.Number, imeAction = ImeAction.Next)

/** One person: name, relation, masked ID, and the status in words with an icon. */
@Composable
private fun PersonCardView(card: PersonCard, tag: String? = null, onClick: (() -> Unit)? = null) {
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
    val modifier = Modifier.fillMaxWidth().let { if (tag != null) it.testTag(tag) else it }
    if (onClick != null) {
        // Read as one: the name, relation and status are the card's label.
        Card(onClick = onClick, modifier = modifier.semantics { contentDescription = "${card.name}, ${card.relation.display}, ${card.status.display}" }) { body() }
    } else {
        Card(modifier) { body() }
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
