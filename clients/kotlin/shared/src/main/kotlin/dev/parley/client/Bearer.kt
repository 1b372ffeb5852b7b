package dev.parley.client

import io.grpc.CallCredentials
import io.grpc.Metadata
import java.util.concurrent.Executor

/** The metadata key Parley reads tokens from on unary calls. */
val AUTHORIZATION_KEY: Metadata.Key<String> = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER)

/**
 * `authorization: Bearer <token>` headers for one call, e.g.
 * `MsgServiceCoroutineStub(channel).pullMessages(request, bearerMetadata(token))`.
 */
fun bearerMetadata(token: String): Metadata = Metadata().apply { put(AUTHORIZATION_KEY, "Bearer $token") }

/**
 * Call credentials that add `authorization: Bearer <token>` to every call of a stub, e.g.
 * `MsgServiceCoroutineStub(channel).withCallCredentials(BearerToken(token))`.
 * (The gateway stream authenticates with its first frame instead.)
 */
class BearerToken(private val token: String) : CallCredentials() {
    override fun applyRequestMetadata(requestInfo: RequestInfo, appExecutor: Executor, applier: MetadataApplier) {
        applier.apply(bearerMetadata(token))
    }
}
