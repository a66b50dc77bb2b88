package powersync.write.api

import kotlinx.serialization.KSerializer
import kotlinx.serialization.SerializationException
import kotlinx.serialization.descriptors.PrimitiveKind
import kotlinx.serialization.descriptors.PrimitiveSerialDescriptor
import kotlinx.serialization.descriptors.SerialDescriptor
import kotlinx.serialization.encoding.Decoder
import kotlinx.serialization.encoding.Encoder
import kotlinx.serialization.json.JsonDecoder
import kotlinx.serialization.json.JsonEncoder
import kotlinx.serialization.json.JsonPrimitive
import java.math.BigDecimal

/**
 * Reads and writes an enum of numbers (`type: integer` or `type: number` with
 * `enum`) as the JSON number each constant stands for; a number is matched by
 * value, so `1.0` reads as the constant for `1`.
 */
open class NumberEnumSerializer<T : Enum<T>>(
    serialName: String,
    private val constants: List<T>,
    private val number: (T) -> Number,
) : KSerializer<T> {
    override val descriptor: SerialDescriptor = PrimitiveSerialDescriptor(serialName, PrimitiveKind.DOUBLE)

    override fun serialize(
        encoder: Encoder,
        value: T,
    ) {
        val json =
            encoder as? JsonEncoder
                ?: throw SerializationException("${descriptor.serialName} is written only as JSON")
        json.encodeJsonElement(JsonPrimitive(number(value)))
    }

    override fun deserialize(decoder: Decoder): T {
        val json =
            decoder as? JsonDecoder
                ?: throw SerializationException("${descriptor.serialName} is read only from JSON")
        val element = json.decodeJsonElement()
        val read = (element as? JsonPrimitive)?.takeIf { !it.isString }?.content?.toBigDecimalOrNull()
        return constants.firstOrNull { read != null && BigDecimal(number(it).toString()).compareTo(read) == 0 }
            ?: throw SerializationException(
                "${descriptor.serialName}: $element is not one of ${constants.joinToString { number(it).toString() }}",
            )
    }
}
