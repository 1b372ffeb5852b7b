package dev.parley.client

import com.google.protobuf.ByteString
import dev.parley.common.v1.ErrorReason
import dev.parley.gateway.v1.ErrorFrame
import io.grpc.Metadata
import io.grpc.Status
import io.grpc.StatusException
import io.grpc.StatusRuntimeException
import java.io.IOException

/** What a failed call or frame says: the gRPC code, the contract's [ErrorReason] and the server's detail. */
data class ParleyError(
    val code: Status.Code,
    /** [ErrorReason.UNRECOGNIZED] when the server sent a reason this build does not know; see [reasonName]. */
    val reason: ErrorReason,
    /** The reason as sent (`ErrorInfo.reason`, the enum value's name), kept for reasons newer than this build. */
    val reasonName: String,
    val message: String,
)

/** A request on the gateway stream was refused: the server answered it with an [ErrorFrame]; the stream stays open. */
class ParleyRequestException(val frame: ErrorFrame) :
    Exception("${frame.reason.name} (gRPC code ${frame.code}): ${frame.message}")

/** The stream broke after the request was sent: it may or may not have been applied (sends are idempotent by client_msg_id). */
class ConnectionLostException(message: String, cause: Throwable?) : IOException(message, cause)

/** No answer within [ConnectionOptions.requestTimeout] (including the wait for a connection). */
class RequestTimeoutException(message: String) : IOException(message)

/**
 * The connection stopped for good: [GatewayConnection.close] was called, the device was logged out
 * ([reason] from the KickedFrame), or the auth provider failed ([cause]).
 */
class ConnectionClosedException(
    message: String,
    val reason: ErrorReason = ErrorReason.ERROR_REASON_UNSPECIFIED,
    cause: Throwable? = null,
) : IOException(message, cause)

/**
 * The [ParleyError] behind this failure, looking through its causes: a unary or stream
 * [io.grpc.StatusException] / [io.grpc.StatusRuntimeException] (the `google.rpc.ErrorInfo` in its
 * trailers), an [ErrorFrame] ([ParleyRequestException]) or a logout ([ConnectionClosedException]).
 * A gRPC failure without ErrorInfo (e.g. UNAVAILABLE from the transport) gives its code and
 * [ErrorReason.ERROR_REASON_UNSPECIFIED]; null when nothing in the chain is one of these.
 */
fun Throwable.parleyError(): ParleyError? {
    var current: Throwable? = this
    val seen = HashSet<Throwable>()
    while (current != null && seen.add(current)) {
        errorOf(current)?.let { return it }
        current = current.cause
    }
    return null
}

/** The [ErrorReason] of this failure ([ErrorReason.ERROR_REASON_UNSPECIFIED] when it carries none). */
val Throwable.errorReason: ErrorReason
    get() = parleyError()?.reason ?: ErrorReason.ERROR_REASON_UNSPECIFIED

/** The [ParleyError] an [ErrorFrame] carries. */
fun ErrorFrame.toParleyError(): ParleyError =
    ParleyError(Status.fromCodeValue(code).code, reason, reason.name, message)

private val STATUS_DETAILS_KEY: Metadata.Key<ByteArray> =
    Metadata.Key.of("grpc-status-details-bin", Metadata.BINARY_BYTE_MARSHALLER)

private fun errorOf(t: Throwable): ParleyError? = when (t) {
    is ParleyRequestException -> t.frame.toParleyError()
    is ConnectionClosedException ->
        if (t.reason == ErrorReason.ERROR_REASON_UNSPECIFIED) null
        else ParleyError(Status.Code.UNAUTHENTICATED, t.reason, t.reason.name, t.message.orEmpty())
    is StatusException -> statusError(t.status, t.trailers)
    is StatusRuntimeException -> statusError(t.status, t.trailers)
    else -> null
}

private fun statusError(status: Status, trailers: Metadata?): ParleyError {
    val name = trailers?.get(STATUS_DETAILS_KEY)?.let { errorInfoReason(ByteString.copyFrom(it)) }
    val reason = name?.let(::reasonByName) ?: ErrorReason.ERROR_REASON_UNSPECIFIED
    return ParleyError(status.code, reason, name.orEmpty(), status.description.orEmpty())
}

private fun reasonByName(name: String): ErrorReason =
    try {
        ErrorReason.valueOf(name)
    } catch (ignored: IllegalArgumentException) {
        ErrorReason.UNRECOGNIZED
    }

// google.rpc.Status { 3: repeated Any details }, Any { 1: type_url, 2: value }, ErrorInfo { 1: reason }.
// Read from the wire here rather than through generated google.rpc classes: the lite runtime ships
// none, and these few field numbers are frozen.
private const val STATUS_DETAILS = 3
private const val ANY_TYPE_URL = 1
private const val ANY_VALUE = 2
private const val ERROR_INFO_REASON = 1
private const val ERROR_INFO_TYPE = "google.rpc.ErrorInfo"

/** `ErrorInfo.reason` from a serialized `google.rpc.Status`, or null when it has no ErrorInfo. */
internal fun errorInfoReason(status: ByteString): String? =
    try {
        lengthDelimited(status, STATUS_DETAILS).firstNotNullOfOrNull { any ->
            val typeUrl = lengthDelimited(any, ANY_TYPE_URL).firstOrNull()?.toStringUtf8()
            if (typeUrl?.substringAfterLast('/') != ERROR_INFO_TYPE) return@firstNotNullOfOrNull null
            val info = lengthDelimited(any, ANY_VALUE).firstOrNull() ?: ByteString.EMPTY
            lengthDelimited(info, ERROR_INFO_REASON).lastOrNull()?.toStringUtf8()
        }
    } catch (ignored: IOException) {
        null // malformed details: no reason rather than a second failure while handling the first
    }

private const val WIRE_TYPE_LENGTH_DELIMITED = 2

/** Every value of length-delimited field [number] in a serialized message, in order. */
private fun lengthDelimited(message: ByteString, number: Int): List<ByteString> {
    val input = message.newCodedInput()
    val values = mutableListOf<ByteString>()
    while (true) {
        val tag = input.readTag()
        if (tag == 0) return values
        if (tag ushr 3 == number && tag and 7 == WIRE_TYPE_LENGTH_DELIMITED) {
            values += input.readBytes()
        } else {
            input.skipField(tag)
        }
    }
}
