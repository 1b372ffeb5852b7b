// Browser entry point: Parley's web listener (the Connect protocol or
// gRPC-Web over fetch, HTTP/1.1 or HTTP/2) plus everything from ./core.js.
// No Node modules: bundlers take it as is.
import type { Client, Interceptor, Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { bearerAuth, createParleyClients, sha256Hex, type ParleyClients, type TokenSource } from "./core.js";
import type { FileService } from "./gen/parley/file/v1/file_pb.js";

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

export interface FetchedFile {
  /** The bytes: the whole file, or the range asked for. */
  data: Uint8Array;
  /** The Content-Type the file server sent (the MIME type sniffed at upload). */
  contentType: string;
  /** The signed URL fetched (valid for minutes; fine for an <img> or <a> too). */
  url: string;
}

/**
 * Fetches a file over plain HTTP: FileService.GetDownloadUrl, then a GET of
 * the signed URL (with a Range header for `range`: first and last byte,
 * inclusive). A whole file is checked against its SHA-256 (GetFile). Uploads
 * need client streaming, which browsers lack: upload from Node or a native
 * app (see `uploadFile`).
 */
export async function fetchFile(
  files: Client<typeof FileService>,
  fileId: string,
  options: { range?: [number, number]; thumbnail?: boolean; signal?: AbortSignal } = {},
): Promise<FetchedFile> {
  const { url } = await files.getDownloadUrl({ fileId, thumbnail: options.thumbnail ?? false }, { signal: options.signal });
  const headers: Record<string, string> = options.range ? { Range: `bytes=${options.range[0]}-${options.range[1]}` } : {};
  const resp = await fetch(url, { headers, signal: options.signal });
  if (!resp.ok) {
    throw new Error(`GET of file ${fileId}: HTTP ${resp.status} ${resp.headers.get("x-parley-reason") ?? ""}`.trim());
  }
  const data = new Uint8Array(await resp.arrayBuffer());
  if (!options.range && !options.thumbnail) {
    const { file } = await files.getFile({ fileId }, { signal: options.signal });
    if (file && (data.length !== Number(file.size) || (await sha256Hex(data)) !== file.sha256)) {
      throw new Error(`GET of file ${fileId}: the bytes do not match the file's size and SHA-256`);
    }
  }
  return { data, contentType: resp.headers.get("content-type") ?? "", url };
}
