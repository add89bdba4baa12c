package org.lifecert.app

import android.content.Context
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyPermanentlyInvalidatedException
import android.security.keystore.KeyProperties
import android.util.Base64
import org.lifecert.core.SecureStore
import org.lifecert.core.StoreException
import java.io.IOException
import java.security.GeneralSecurityException
import java.security.KeyStore
import java.security.ProviderException
import javax.crypto.AEADBadTagException
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/**
 * The core's small secrets (device signing key, outbox key, session tokens):
 * each value AES-256-GCM sealed by a non-exportable Android Keystore key, kept
 * base64 in app-private SharedPreferences. The key name is the associated
 * data, so a value copied under another name does not open.
 *
 * Called from core threads: SharedPreferences and a fresh Cipher per call are
 * thread-safe. Errors are the core's StoreException, which it knows how to show.
 */
class KeystoreSecureStore(context: Context) : SecureStore {
    private val prefs = context.getSharedPreferences(PREFS, Context.MODE_PRIVATE)

    @Volatile
    private var cachedKey: SecretKey? = null

    override fun get(key: String): ByteArray? {
        val stored = prefs.getString(key, null) ?: return null
        val blob = try {
            Base64.decode(stored, Base64.NO_WRAP)
        } catch (e: IllegalArgumentException) {
            throw StoreException.Corrupt("$key: not base64")
        }
        if (blob.size < IV_BYTES + TAG_BITS / 8) throw StoreException.Corrupt("$key: ${blob.size} bytes is too short")
        return crypto(key) {
            val cipher = Cipher.getInstance(TRANSFORMATION)
            cipher.init(Cipher.DECRYPT_MODE, secretKey(), GCMParameterSpec(TAG_BITS, blob, 0, IV_BYTES))
            cipher.updateAAD(key.toByteArray())
            cipher.doFinal(blob, IV_BYTES, blob.size - IV_BYTES)
        }
    }

    override fun put(key: String, value: ByteArray) {
        val blob = crypto(key) {
            val cipher = Cipher.getInstance(TRANSFORMATION)
            // The Keystore chooses a fresh random IV for every encryption.
            cipher.init(Cipher.ENCRYPT_MODE, secretKey())
            cipher.updateAAD(key.toByteArray())
            cipher.iv + cipher.doFinal(value)
        }
        // commit(), not apply(): the core expects the value on disk when put returns.
        if (!prefs.edit().putString(key, Base64.encodeToString(blob, Base64.NO_WRAP)).commit()) {
            throw StoreException.Unavailable("$key: could not write the preferences file")
        }
    }

    override fun delete(key: String) {
        if (!prefs.edit().remove(key).commit()) {
            throw StoreException.Unavailable("$key: could not write the preferences file")
        }
    }

    /** Maps crypto failures onto the core's two kinds: retry may help, or never will. */
    private inline fun <T> crypto(key: String, block: () -> T): T = try {
        block()
    } catch (e: AEADBadTagException) {
        // Changed bytes, or sealed under a key that no longer exists.
        throw StoreException.Corrupt("$key: does not open (${e.message})")
    } catch (e: KeyPermanentlyInvalidatedException) {
        throw StoreException.Corrupt("$key: keystore key invalidated")
    } catch (e: GeneralSecurityException) {
        throw StoreException.Unavailable("$key: ${e.javaClass.simpleName}: ${e.message}")
    } catch (e: ProviderException) {
        // The Keystore daemon failing (busy, locked) surfaces as a runtime exception.
        throw StoreException.Unavailable("$key: ${e.javaClass.simpleName}: ${e.message}")
    } catch (e: IOException) {
        throw StoreException.Unavailable("$key: keystore: ${e.message}")
    }

    private fun secretKey(): SecretKey = cachedKey ?: synchronized(this) {
        cachedKey ?: (loadKey() ?: createKey()).also { cachedKey = it }
    }

    private fun loadKey(): SecretKey? {
        val keyStore = KeyStore.getInstance(ANDROID_KEYSTORE).apply { load(null) }
        return keyStore.getKey(KEY_ALIAS, null) as SecretKey?
    }

    private fun createKey(): SecretKey {
        val spec = KeyGenParameterSpec.Builder(KEY_ALIAS, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
            .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
            .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
            .setKeySize(256)
            .build()
        return KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, ANDROID_KEYSTORE)
            .apply { init(spec) }
            .generateKey()
    }

    private companion object {
        const val ANDROID_KEYSTORE = "AndroidKeyStore"
        const val KEY_ALIAS = "org.lifecert.securestore.v1"
        const val PREFS = "org.lifecert.securestore"
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        const val IV_BYTES = 12
        const val TAG_BITS = 128
    }
}
