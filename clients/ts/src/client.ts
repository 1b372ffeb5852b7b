// Node entry point: gRPC over HTTP/2 to a Parley server, plus everything from
// ./core.js. Browser apps import "@parley/client/core" instead (this file
// pulls in node:http2 through @connectrpc/connect-node).
import type { Interceptor, Transport } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import type * as http2 from "node:http2";
import { bearerAuth, createParleyClients, toBaseUrl, type ParleyClients, type TokenSource } from "./core.js";

export * from "./core.js";
export * from "./files-node.js";

export interface ParleyTransportOptions {
  /** "host:port" (plaintext) or a base URL such as "https://im.example.com". */
  address: string;
  /** Sent as `authorization: Bearer <token>` on every call (admin or user token). */
  token?: TokenSource;
  /** Extra interceptors, run after the token one. */
  interceptors?: Interceptor[];
  /** Default deadline of each unary call, milliseconds (none when unset; `openGateway` streams have none). */
  timeoutMs?: number;
  /** Options for node:http2 connect (e.g. `ca` for a private TLS root). */
  nodeOptions?: http2.ClientSessionOptions | http2.SecureClientSessionOptions;
}

/** A gRPC transport with a `close()` that ends its HTTP/2 connection. */
export type ParleyTransport = Transport & { close(): void };

/** Creates a gRPC (HTTP/2) transport to a Parley server. */
export function createParleyTransport(options: ParleyTransportOptions): ParleyTransport {
  const baseUrl = toBaseUrl(options.address);
  // Keepalive pings keep long-lived gateway streams alive through idle NATs.
  const sessionManager = new Http2SessionManager(
    baseUrl,
    { pingIntervalMs: 30_000, pingTimeoutMs: 10_000 },
    options.nodeOptions,
  );
  const interceptors = [...(options.token ? [bearerAuth(options.token)] : []), ...(options.interceptors ?? [])];
  const transport = createGrpcTransport({
    baseUrl,
    sessionManager,
    interceptors,
    defaultTimeoutMs: options.timeoutMs,
  });
  return Object.assign(transport, { close: () => sessionManager.abort() });
}

/** Transport plus typed clients of every service; `close()` ends the connection. */
export function connectParley(options: ParleyTransportOptions): ParleyClients & { transport: ParleyTransport; close(): void } {
  const transport = createParleyTransport(options);
  return { ...createParleyClients(transport), transport, close: () => transport.close() };
}
