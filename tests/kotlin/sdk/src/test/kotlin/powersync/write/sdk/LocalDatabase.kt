package powersync.write.sdk

import com.powersync.DatabaseDriverFactory
import com.powersync.PowerSyncDatabase
import com.powersync.db.schema.Column
import com.powersync.db.schema.Schema
import com.powersync.db.schema.Table
import java.nio.file.Files
import java.nio.file.Path

/**
 * The app's PowerSync schema, as in the TypeScript end-to-end test (lists/todos), plus three
 * todos columns for the numeric types the TypeScript test does not cover: `priority`
 * (PostgreSQL integer), `effort` (real) and `counter` (bigint, for the int64 edges).
 * PowerSync stores every column as text, integer or real.
 */
val AppSchema: Schema =
    Schema(
        Table(
            "lists",
            listOf(
                Column.text("name"),
                Column.text("owner_id"),
                Column.text("created_at"),
            ),
        ),
        Table(
            "todos",
            listOf(
                Column.text("list_id"),
                Column.text("description"),
                Column.integer("completed"),
                Column.text("completed_at"),
                Column.text("attrs"),
                Column.integer("priority"),
                Column.real("effort"),
                Column.integer("counter"),
            ),
        ),
    )

/** A real core-jvm database in a fresh temporary folder; [close] closes it and removes the folder. */
class LocalDatabase private constructor(
    val dir: Path,
    val db: PowerSyncDatabase,
) {
    suspend fun close() {
        try {
            db.close()
        } finally {
            dir.toFile().deleteRecursively()
        }
    }

    /** The upload queue as stored (`ps_crud`), oldest first. */
    suspend fun queue(): List<QueuedRow> =
        db.getAll("SELECT id, tx_id, data FROM ps_crud ORDER BY id") { cursor ->
            QueuedRow(
                id = cursor.getLong(0) ?: error("ps_crud.id is NULL"),
                txId = cursor.getLong(1),
                data = cursor.getString(2) ?: error("ps_crud.data is NULL"),
            )
        }

    companion object {
        suspend fun open(): LocalDatabase {
            val dir = Files.createTempDirectory("powersync-kotlin-local-")
            val db =
                try {
                    PowerSyncDatabase(
                        factory = DatabaseDriverFactory(),
                        schema = AppSchema,
                        dbFilename = "local.db",
                        dbDirectory = dir.toString(),
                    )
                } catch (error: Throwable) {
                    dir.toFile().deleteRecursively()
                    throw IllegalStateException(
                        "cannot open a com.powersync:core-jvm database in $dir (the SDK's native SQLite or its " +
                            "PowerSync extension did not load?): $error",
                        error,
                    )
                }
            return LocalDatabase(dir, db)
        }
    }
}

/** One row of `ps_crud`: its id (the entry's op id), its transaction and the JSON the SDK stored. */
data class QueuedRow(
    val id: Long,
    val txId: Long?,
    val data: String,
)

/** Runs [block] on a fresh local database and closes it afterwards, even when [block] throws. */
suspend fun <T> withLocalDatabase(block: suspend (LocalDatabase) -> T): T {
    val local = LocalDatabase.open()
    try {
        return block(local)
    } finally {
        local.close()
    }
}
