package dev.parley.client

import dev.parley.common.v1.ErrorReason
import dev.parley.gateway.v1.SessionFrame
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

/** Tuning of a [GatewayConnection]; the defaults suit a phone. */
data class ConnectionOptions(
    /** Wait before the first reconnect after a stream that had a session drops. */
    val initialBackoff: Duration = 500.milliseconds,
    /** Upper bound of the wait between attempts. */
    val maxBackoff: Duration = 30.seconds,
    val backoffMultiplier: Double = 2.0,
    /** Each wait is randomised by ± this fraction, so that clients cut off together do not come back together. */
    val backoffJitter: Double = 0.2,
    /** Ping at least this often; the server's `SessionFrame.heartbeat_interval_ms` lowers it. */
    val heartbeatInterval: Duration = 30.seconds,
    /** Bound of a request's wait for a connection plus its answer; also how long a ping may go unanswered. */
    val requestTimeout: Duration = 15.seconds,
    /** Pushes buffered for slow collectors of [GatewayConnection.pushes] before the stream's reader waits. */
    val pushBuffer: Int = 256,
) {
    init {
        require(initialBackoff.isPositive() && maxBackoff >= initialBackoff) { "need 0 < initialBackoff <= maxBackoff" }
        require(backoffMultiplier >= 1.0 && backoffJitter in 0.0..1.0) { "need backoffMultiplier >= 1, backoffJitter in 0..1" }
        require(heartbeatInterval.isPositive() && requestTimeout.isPositive()) { "intervals must be positive" }
        require(pushBuffer >= 0) { "pushBuffer must be >= 0" }
    }
}

/** Where a [GatewayConnection] is; see [GatewayConnection.state]. */
sealed interface ConnectionState {
    /** Not started yet. */
    data object Idle : ConnectionState

    /** Opening a stream and authenticating (attempt 1 is the first since the last session). */
    data class Connecting(val attempt: Int) : ConnectionState

    /**
     * Authenticated. Each new [session] is a (re)connection: pushes sent while disconnected are
     * not replayed, so sync from here (`MsgService.GetSeqs` / `PullMessages`, and
     * `ListConversations` when `conversations_version` moved).
     */
    data class Connected(val session: SessionFrame) : ConnectionState

    /** The last attempt or stream failed with [cause]; the next attempt starts after [delay]. */
    data class WaitingToReconnect(val attempt: Int, val delay: Duration, val cause: Throwable) : ConnectionState

    /**
     * The server logged this device out (a `KickedFrame`: [reason] is ERROR_REASON_KICKED,
     * ERROR_REASON_TOKEN_REVOKED or ERROR_REASON_USER_BLOCKED). Final: the app decides whether to
     * sign in again, with a new [GatewayConnection].
     */
    data class LoggedOut(val reason: ErrorReason) : ConnectionState

    /** Stopped by [GatewayConnection.close] ([cause] null) or because the auth provider threw [cause]. Final. */
    data class Closed(val cause: Throwable?) : ConnectionState
}
