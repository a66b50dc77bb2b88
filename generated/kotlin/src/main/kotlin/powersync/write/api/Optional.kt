// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.

package powersync.write.api

import kotlinx.serialization.KSerializer
import kotlinx.serialization.Serializable
import kotlinx.serialization.SerializationException
import kotlinx.serialization.descriptors.SerialDescriptor
import kotlinx.serialization.encoding.Decoder
import kotlinx.serialization.encoding.Encoder

/**
 * A property that may be left out and may also be `null`: [Absent] when the JSON
 * object does not have it, [Present] (whose value may be `null`) when it does. A
 * Kotlin `null` alone cannot tell the two apart, and the protocol gives them
 * different meanings (a `PATCH` that clears a column versus one that leaves it).
 *
 * Properties of this type default to [Absent], which the package's [WireJson]
 * leaves out when encoding (it does not encode default values).
 */
@Serializable(with = OptionalSerializer::class)
sealed interface Optional<out T> {
    /** The JSON object does not have the property. */
    data object Absent : Optional<Nothing>

    /** The JSON object has the property, with this value (`null` included). */
    data class Present<out T>(
        val value: T,
    ) : Optional<T>

    /** The value, or `null` when absent. */
    fun orNull(): T? =
        when (this) {
            Absent -> null
            is Present -> value
        }
}

/** Reads and writes an [Optional] as its value; [Optional.Absent] is never written. */
class OptionalSerializer<T>(
    private val value: KSerializer<T>,
) : KSerializer<Optional<T>> {
    override val descriptor: SerialDescriptor = value.descriptor

    override fun serialize(
        encoder: Encoder,
        value: Optional<T>,
    ) {
        when (value) {
            Optional.Absent -> throw SerializationException(
                "an absent Optional cannot be written: encode with a Json that leaves default values out (encodeDefaults = false)",
            )

            is Optional.Present -> encoder.encodeSerializableValue(this.value, value.value)
        }
    }

    override fun deserialize(decoder: Decoder): Optional<T> = Optional.Present(decoder.decodeSerializableValue(value))
}
