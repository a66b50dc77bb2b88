// Generated from spec/powersync-write.yaml by `cargo xtask gen`. Do not edit: change the spec or the generator and regenerate.

package powersync.write.api

import kotlinx.serialization.KSerializer
import kotlinx.serialization.Serializable
import kotlinx.serialization.descriptors.PrimitiveKind
import kotlinx.serialization.descriptors.PrimitiveSerialDescriptor
import kotlinx.serialization.descriptors.SerialDescriptor
import kotlinx.serialization.encoding.Decoder
import kotlinx.serialization.encoding.Encoder

/**
 * A file: its bytes, and the file name and media type it is sent with (a multipart
 * file part, or a body of raw bytes). Two files are equal when their bytes, names
 * and media types are.
 *
 * In a model's JSON a file stands in as an empty string: the validator sees that a
 * file property is there, and the client sends the bytes as a file part.
 */
@Serializable(with = FileData.StandIn::class)
class FileData(
    val bytes: ByteArray,
    /** The file name; the part is named after its property when `null`. */
    val filename: String? = null,
    /** The media type; `application/octet-stream` when `null`. */
    val contentType: String? = null,
) {
    override fun equals(other: Any?): Boolean =
        other is FileData && bytes.contentEquals(other.bytes) && filename == other.filename && contentType == other.contentType

    override fun hashCode(): Int = (bytes.contentHashCode() * 31 + filename.hashCode()) * 31 + contentType.hashCode()

    override fun toString(): String = "FileData(${bytes.size} bytes, filename=$filename, contentType=$contentType)"

    /** Writes a file as the empty string it stands in as in JSON; reads one as an empty file. */
    object StandIn : KSerializer<FileData> {
        override val descriptor: SerialDescriptor = PrimitiveSerialDescriptor("FileData", PrimitiveKind.STRING)

        override fun serialize(
            encoder: Encoder,
            value: FileData,
        ) {
            encoder.encodeString("")
        }

        override fun deserialize(decoder: Decoder): FileData {
            decoder.decodeString()
            return FileData(ByteArray(0))
        }
    }
}
