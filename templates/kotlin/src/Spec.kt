// {{ header }}

package {{ package }}

// The names by which the support files that are the same for every spec (the
// PowerSync connector) reach this one.

internal typealias WritePathClient = {{ client }}

/** The security scheme the connector sends the PowerSync token with. */
internal const val BEARER_SCHEME = {{ bearer_scheme }}
{% for (alias, target) in aliases %}
internal typealias {{ alias }} = {{ target }}
{% endfor %}
/** Sends one batch and maps the reply onto the protocol's replies. */
internal suspend fun WritePathClient.uploadBatch(batch: SpecWriteBatch): WritePathReply =
    when (val response = {{ method }}({{ request }}({{ body_field }} = batch))) {
{%- for (variant, reply) in replies %}
        is {{ variant }} -> {{ reply }}
{%- endfor %}
    }
