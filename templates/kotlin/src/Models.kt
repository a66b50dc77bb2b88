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
{%- when ModelView::Struct with { name, doc, properties, tag, supertypes } %}
{%- call m::kdoc(&doc, "") %}{% endcall %}
@Serializable
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
{%- when ModelView::NumberEnum with { name, doc, value_type, constants } %}
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
    object Serializer : NumberEnumSerializer<{{ name }}>("{{ name }}", entries, { it.value })
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
