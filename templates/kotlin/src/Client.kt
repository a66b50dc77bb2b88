{%- import "kotlin/macros.kt.in" as m -%}
// {{ header }}

package {{ package }}

import io.ktor.client.HttpClient
{%- if encodes %}
import kotlinx.serialization.json.encodeToJsonElement
{%- endif %}

/**
 * A client for {{ title }}: one suspending method per operation, a typed request
 * in and the reply's class for its status out.
 *
 * Requests are checked against the spec before they are sent
 * ([InvalidRequestException]); a reply with a status the spec does not list is an
 * [UnexpectedResponseException], one whose body or headers break the spec an
 * [InvalidResponseException]. Network failures are ktor's exceptions, as thrown.
 */
class {{ client }}(
    /** The server's base URL, e.g. `https://api.example.com`; the operations' paths are appended. */
    baseUrl: String,
    /** The ktor client requests go through: its engine, timeouts and plugins are the app's. */
    httpClient: HttpClient,
    /** The credential for a security scheme, by the scheme's name; `null` sends none. */
    credentials: suspend (scheme: String) -> String? = { null },
) {
    private val transport = Transport(baseUrl, httpClient, credentials)
{%- for o in operations %}
{% call m::kdoc(&o.doc, "    ") %}{% endcall %}
{%- if o.wrap_signature %}
    suspend fun {{ o.method }}(
        request: {{ o.request.as_deref().unwrap_or_default() }},
    ): {{ o.response }} {
{%- else %}
    suspend fun {{ o.method }}({% if let Some(request) = o.request %}request: {{ request }}{% endif %}): {{ o.response }} {
{%- endif %}
        val reply =
            transport.send(
                {{ o.id }},
{%- if o.params.is_empty() %}
                emptyList(),
{%- else %}
                listOf(
{%- for e in o.params %}
                    {{ e }},
{%- endfor %}
                ),
{%- endif %}
                {% if let Some(body) = o.body_arg %}{{ body }}{% else %}null{% endif %},
{%- if o.files_arg.is_some() || o.raw_arg.is_some() %}
                {% if let Some(files) = o.files_arg %}{{ files }}{% else %}emptyMap(){% endif %},
                {% if let Some(raw) = o.raw_arg %}{{ raw }}{% else %}null{% endif %},
{%- endif %}
            )
        return when (reply.status) {
{%- for r in o.responses %}
{%- if !loop.first %}
{% endif %}
{%- if let Some(status) = r.status %}
            {{ status }} -> {
{%- else %}
            else -> {
{%- endif %}
{%- if r.body.is_none() && r.headers.is_none() && r.status.is_some() %}
                {{ o.response }}.{{ r.variant }}
{%- else %}
                {{ o.response }}.{{ r.variant }}(
{%- if r.status.is_none() %}
                    reply.status,
{%- endif %}
{%- if r.body.is_some() %}
                    {{ r.read }},
{%- endif %}
{%- if let Some((headers, _)) = r.headers %}
                    {{ headers }}(
{%- for (name, required) in r.header_reads %}
                        reply.{% if required %}requiredHeader{% else %}header{% endif %}({{ name }}),
{%- endfor %}
                    ),
{%- endif %}
                )
{%- endif %}
            }
{%- endfor %}
{%- if !o.has_default %}

            else -> {
                throw reply.unexpected()
            }
{%- endif %}
        }
    }
{%- endfor %}
}
