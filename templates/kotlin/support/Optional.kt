package powersync.write.api

import kotlinx.serialization.KSerializer
import kotlinx.serialization.Serializable
import kotlinx.serialization.descriptors.SerialDescriptor
import kotlinx.serialization.encoding.Decoder
import kotlinx.serialization.encoding.Encoder

/**
 * A property that may be left out of the JSON object, as distinct from one that is present
 * and null: `Absent` is left out when encoding (it is the property's default), and a key
 * that is present decodes to `Present`, even when its value is null.
 */
@Serializable(with = OptionalSerializer::class)
sealed interface Optional<out T> {
    /** The key is not in the object. */
    data object Absent : Optional<Nothing>

    /** The key is in the object with this value (null for JSON null when `T` is nullable). */
    data class Present<out T>(
        val value: T,
    ) : Optional<T>
}

/** The value when present, else null. */
fun <T> Optional<T>.orNull(): T? =
    when (this) {
        is Optional.Present -> value
        Optional.Absent -> null
    }

/**
 * Encodes `Present(value)` as the value itself. `Absent` never reaches it: the property's
 * default is `Absent` and defaults are not encoded.
 */
class OptionalSerializer<T>(
    private val valueSerializer: KSerializer<T>,
) : KSerializer<Optional<T>> {
    override val descriptor: SerialDescriptor = valueSerializer.descriptor

    override fun serialize(
        encoder: Encoder,
        value: Optional<T>,
    ) {
        when (value) {
            is Optional.Present -> encoder.encodeSerializableValue(valueSerializer, value.value)

            Optional.Absent -> throw IllegalStateException(
                "Optional.Absent cannot be encoded on its own: it is only valid as a property's default (left out).",
            )
        }
    }

    override fun deserialize(decoder: Decoder): Optional<T> = Optional.Present(decoder.decodeSerializableValue(valueSerializer))
}
