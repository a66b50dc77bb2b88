package powersync.write.api

import kotlinx.serialization.json.Json

/**
 * The JSON settings of every request and reply body. Unknown keys are ignored so that a
 * newer backend's additions do not break older clients; nulls are written when a
 * property holds one, and properties left at their defaults are left out.
 */
val WireJson: Json = Json { ignoreUnknownKeys = true }
