// Browser entry point: Parley's web listener (the Connect protocol or
// gRPC-Web over fetch, HTTP/1.1 or HTTP/2) plus everything from ./core.js.
// No Node modules: bundlers take it as is.
import type { Interceptor, Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { bearerAuth, createParleyClients, type ParleyClients, type TokenSource } from "./core.js";

export * from "./core.js";

export interface ParleyWebTransportOptions {
  /** The web listener's base URL, e.g. "https://im.example.com" (not the gRPC port). */
  baseUrl: string;
  /** Sent as `authorization: Bearer <token>` on every call. */
  token?: TokenSource;
  /** "connect" (default: plain POSTs a browser's devtools can read) or "grpc-web". */
  protocol?: "connect" | "grpc-web";
  /** Extra interceptors, run after the token one. */
  interceptors?: Interceptor[];
  /** Default deadline of each unary call, milliseconds (none when unset; streams opened by `subscribe` have none). */
  timeoutMs?: number;
}

/** Creates a fetch-based transport to Parley's web listener. */
export function createParleyWebTransport(options: ParleyWebTransportOptions): Transport {
  const interceptors = [...(options.token ? [bearerAuth(options.token)] : []), ...(options.interceptors ?? [])];
  // Binary protobuf on the wire: smaller than JSON and 64-bit seqs stay exact.
  const common = { baseUrl: options.baseUrl, interceptors, defaultTimeoutMs: options.timeoutMs, useBinaryFormat: true };
  return options.protocol === "grpc-web" ? createGrpcWebTransport(common) : createConnectTransport(common);
}

/** Transport plus typed clients of every service, for a browser. */
export function connectParleyWeb(options: ParleyWebTransportOptions): ParleyClients & { transport: Transport } {
  const transport = createParleyWebTransport(options);
  return { ...createParleyClients(transport), transport };
}
