package org.lifecert.app

import android.content.Context
import android.content.pm.PackageManager
import android.os.Build
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import android.security.keystore.StrongBoxUnavailableException
import org.lifecert.core.AttestedKey
import org.lifecert.core.PlatformKey
import org.lifecert.core.PlatformKeyException
import org.lifecert.core.PlatformKeyKind
import org.lifecert.core.PlatformProof
import java.security.GeneralSecurityException
import java.security.KeyPairGenerator
import java.security.KeyStore
import java.security.PrivateKey
import java.security.ProviderException
import java.security.Signature
import java.security.spec.ECGenParameterSpec

/**
 * The device key in the Android Keystore, proven to certd by key attestation
 * (issue 11): at each login a new EC P-256 signing key is generated with the
 * server's challenge, in StrongBox when the phone has one, else in the TEE;
 * its certificate chain (leaf first, up to Google's root) goes to the server,
 * which checks the chain, the challenge, the app's package and signing
 * certificate, and the phone's boot state. Evidence is then signed with it
 * (SHA256withECDSA, ASN.1 DER, what certd expects).
 *
 * The key never leaves the secure hardware. Called from core threads, never
 * the UI thread: StrongBox key generation can take a few seconds.
 */
class KeystoreDeviceKey(private val context: Context) : PlatformKey {
    override fun kind(): PlatformKeyKind = PlatformKeyKind.ANDROID_KEYSTORE

    override fun attest(challenge: ByteArray): AttestedKey {
        val strongBox = Build.VERSION.SDK_INT >= Build.VERSION_CODES.P &&
            context.packageManager.hasSystemFeature(PackageManager.FEATURE_STRONGBOX_KEYSTORE)
        try {
            generate(challenge, strongBox)
        } catch (e: StrongBoxUnavailableException) {
            // Advertised but busy or missing for this key type: the TEE will do.
            generate(challenge, strongBox = false)
        } catch (e: ProviderException) {
            if (!strongBox) throw PlatformKeyException.Failed("key generation: ${e.message}")
            generate(challenge, strongBox = false)
        } catch (e: GeneralSecurityException) {
            throw PlatformKeyException.Unsupported("key generation: ${e.message}")
        }
        val keyStore = keyStore()
        val chain = keyStore.getCertificateChain(ALIAS)
            ?: throw PlatformKeyException.Unsupported("no attestation chain (no hardware keystore)")
        if (chain.size < 2) throw PlatformKeyException.Unsupported("attestation chain of ${chain.size}")
        return AttestedKey(
            publicKey = chain[0].publicKey.encoded, // SubjectPublicKeyInfo, DER
            proof = PlatformProof.AndroidChain(chain.map { it.encoded }),
        )
    }

    override fun sign(message: ByteArray): ByteArray {
        val key = keyStore().getKey(ALIAS, null) as? PrivateKey
            ?: throw PlatformKeyException.Failed("no device key: log in again")
        return try {
            Signature.getInstance("SHA256withECDSA").run {
                initSign(key)
                update(message)
                sign()
            }
        } catch (e: GeneralSecurityException) {
            throw PlatformKeyException.Failed("signing: ${e.message}")
        }
    }

    private fun generate(challenge: ByteArray, strongBox: Boolean) {
        val spec = KeyGenParameterSpec.Builder(ALIAS, KeyProperties.PURPOSE_SIGN)
            .setAlgorithmParameterSpec(ECGenParameterSpec("secp256r1"))
            .setDigests(KeyProperties.DIGEST_SHA256)
            // What the hardware signs into the leaf certificate: certd's
            // single-use challenge, so an old chain cannot be replayed.
            .setAttestationChallenge(challenge)
            .apply { if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.P) setIsStrongBoxBacked(strongBox) }
            .build()
        // Replaces the previous login's key under the same alias.
        KeyPairGenerator.getInstance(KeyProperties.KEY_ALGORITHM_EC, ANDROID_KEYSTORE).run {
            initialize(spec)
            generateKeyPair()
        }
    }

    private fun keyStore(): KeyStore = KeyStore.getInstance(ANDROID_KEYSTORE).apply { load(null) }

    private companion object {
        const val ANDROID_KEYSTORE = "AndroidKeyStore"
        const val ALIAS = "org.lifecert.device-key"
    }
}
