{%- import "kotlin/macros.kt.in" as m -%}
// {{ header }}

package {{ package }}
{%- if !imports.is_empty() %}
{% for import in imports %}
import {{ import }}
{%- endfor %}
{%- endif %}
{%- for model in models %}
{% match model %}
{%- when ModelView::Struct with { name, doc, properties, tag, supertypes, files, extras, wrap_serializer } %}
{%- call m::kdoc(&doc, "") %}{% endcall %}
{%- if extras.is_some() %}
@OptIn(ExperimentalSerializationApi::class)
@KeepGeneratedSerializer
@Serializable(with = {{ name }}.Serializer::class)
{%- else %}
@Serializable
{%- endif %}
{%- if let Some(tag) = tag %}
@SerialName({{ tag }})
{%- endif %}
{%- if properties.is_empty() %}
data object {{ name }}{% if !supertypes.is_empty() %} : {{ supertypes.join(", ") }}{% endif %}
{%- else %}
data class {{ name }}(
{%- for p in properties %}
{%- call m::kdoc(&p.doc, "    ") %}{% endcall %}
{%- if let Some(wire) = p.serial_name %}
    @SerialName({{ wire }})
{%- endif %}
{%- call m::property(p) %}{% endcall %}
{%- endfor %}
){% if !supertypes.is_empty() %} : {{ supertypes.join(",\n    ") }}{% endif %}
{%- if !files.is_empty() || extras.is_some() %} {
{%- if !files.is_empty() %}
    /** The file properties' files, by wire name: the client sends each as a file part. */
    internal fun multipartFiles(): Map<String, List<FileData>> =
        mapOf(
{%- for (wire, expr) in files %}
            {{ wire }} to {{ expr }},
{%- endfor %}
        )
{%- endif %}
{%- if let Some(extras) = extras %}
{%- if !files.is_empty() %}
{% endif %}
    /** Reads and writes the undeclared properties beside the declared ones. */
{%- if wrap_serializer %}
    object Serializer :
        AdditionalPropertiesSerializer<{{ name }}>(
            generatedSerializer(),
            {{ extras }},
        )
{%- else %}
    object Serializer : AdditionalPropertiesSerializer<{{ name }}>(generatedSerializer(), {{ extras }})
{%- endif %}
{%- endif %}
}
{%- endif %}
{%- endif %}
{%- when ModelView::StringEnum with { name, doc, constants } %}
{%- call m::kdoc(&doc, "") %}{% endcall %}
@Serializable
enum class {{ name }} {
{%- for (constant, value) in constants %}
{%- if !loop.first %}
{% endif %}
    @SerialName({{ value }})
    {{ constant }},
{%- endfor %}
}
{%- when ModelView::NumberEnum with { name, doc, value_type, constants, wrap_serializer } %}
{%- call m::kdoc(&doc, "") %}{% endcall %}
@Serializable(with = {{ name }}.Serializer::class)
enum class {{ name }}(
    /** The number this constant stands for. */
    val value: {{ value_type }},
) {
{%- for (constant, value) in constants %}
    {{ constant }}({{ value }}),
{%- endfor %}
    ;

    /** Reads and writes the constants as the JSON numbers they stand for. */
{%- if wrap_serializer %}
    object Serializer :
        NumberEnumSerializer<{{ name }}>(
            "{{ name }}",
            entries,
            { it.value },
        )
{%- else %}
    object Serializer : NumberEnumSerializer<{{ name }}>("{{ name }}", entries, { it.value })
{%- endif %}
}
{%- when ModelView::Union with { name, doc, discriminator } %}
{%- call m::kdoc(&doc, "") %}{% endcall %}
@OptIn(ExperimentalSerializationApi::class)
@Serializable
@JsonClassDiscriminator({{ discriminator }})
sealed interface {{ name }}
{%- when ModelView::Alias with { name, doc, target } %}
{%- call m::kdoc(&doc, "") %}{% endcall %}
typealias {{ name }} = {{ target }}
{%- endmatch %}
{%- endfor %}
