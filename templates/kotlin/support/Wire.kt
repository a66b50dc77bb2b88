package powersync.write.api

import kotlinx.serialization.json.Json

/**
 * The JSON configuration of every model of the package: properties the models do
 * not know are ignored (a newer server may send more), properties left at their
 * default (`null` for an optional property, [Optional.Absent]) are left out, and
 * a `null` the schema allows is written as `null`.
 */
val WireJson: Json =
    Json {
        ignoreUnknownKeys = true
    }
