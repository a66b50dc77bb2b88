package powersync.write.api

import kotlinx.serialization.KSerializer
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonTransformingSerializer

/**
 * The serializer of a model with both declared properties and
 * `additionalProperties`: the model's generated serializer ([generated]) holds the
 * undeclared properties in one map property ([property], its wire name there),
 * which the JSON object has beside the declared ones.
 */
open class AdditionalPropertiesSerializer<T : Any>(
    generated: KSerializer<T>,
    private val property: String,
) : JsonTransformingSerializer<T>(generated) {
    private val declared: Set<String> =
        (0 until generated.descriptor.elementsCount).map { generated.descriptor.getElementName(it) }.toSet() - property

    override fun transformDeserialize(element: JsonElement): JsonElement {
        if (element !is JsonObject) return element
        val (known, extra) = element.entries.partition { it.key in declared }
        return JsonObject(known.associate { it.toPair() } + (property to JsonObject(extra.associate { it.toPair() })))
    }

    override fun transformSerialize(element: JsonElement): JsonElement {
        if (element !is JsonObject) return element
        val extra = (element[property] as? JsonObject).orEmpty().filterKeys { it !in declared }
        return JsonObject(element - property + extra)
    }
}
