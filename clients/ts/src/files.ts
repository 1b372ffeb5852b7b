// Files (FileService) on any transport that can stream: resumable upload and
// verified download. No Node imports: the Node entry adds file-system sources
// (./files-node.js), the web entry signed-URL fetches (./web.js).
//
// An upload declares its size and SHA-256 up front (the server checks the
// hash when the last byte arrives) and streams chunks at the offset the server
// has committed; after a lost connection it asks GetUploadStatus for that
// offset and continues from there, so a phone on a flaky network re-sends at
// most one chunk.
import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type CallOptions, type Client } from "@connectrpc/connect";
import type { FileInfo, FileService, UploadChunksRequestSchema } from "./gen/parley/file/v1/file_pb.js";
import type { ContentSchema } from "./gen/parley/msg/v1/content_pb.js";
import { ErrorReason, errorReason } from "./errors.js";

/** Bytes to upload: a name, a size, the content's SHA-256 and random access. */
export interface FileSource {
  /** The file name users see (no path). */
  readonly name: string;
  /** Size in bytes. */
  readonly size: number;
  /** SHA-256 of the whole content, lowercase hex. */
  sha256(): Promise<string>;
  /** `length` bytes from `offset` (fewer only at the end). */
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** `(done, total)` in bytes. */
export type Progress = (done: number, total: number) => void;

export interface UploadOptions {
  /** Called as chunks are handed to the transport, and with the server's offset on each (re)start. */
  onProgress?: Progress;
  /** Failed attempts in a row (no byte committed in between) before giving up; default 8. */
  retries?: number;
  /** Continue this upload (from an earlier run of the app) instead of starting a new one. */
  uploadId?: string;
  /** Largest chunk sent; StartUpload's `max_chunk_bytes` caps it (resuming by `uploadId`, pass that value). Default 256 KiB. */
  chunkBytes?: number;
  /** Cancels the upload (no retry after it). */
  signal?: AbortSignal;
  /** Deadline of each call, milliseconds (default: the transport's for the unary calls, none for the upload stream). */
  timeoutMs?: number;
  /** Reports the upload id once StartUpload gave it, to resume after the app restarts. */
  onStarted?: (uploadId: string) => void;
}

const DEFAULT_CHUNK = 256 * 1024;
// Failures after which the upload continues where the server says it
// stopped: the connection or a deadline failed, not the request. connect-node
// reports a reset connection as Aborted and other socket errors as Internal
// with the Node error as `cause` (a status from the server has none). An
// offset mismatch means another stream of this upload (one the server had not
// yet seen cut) committed bytes meanwhile: the status call resynchronizes.
const RESUMABLE = new Set([Code.Unavailable, Code.DeadlineExceeded, Code.Aborted, Code.Canceled]);

/** Lowercase hex SHA-256 of bytes (WebCrypto: browsers and Node alike). */
export async function sha256Hex(data: Uint8Array): Promise<string> {
  // WebCrypto takes no views of a SharedArrayBuffer: copy those.
  const owned = data.buffer instanceof ArrayBuffer ? (data as Uint8Array<ArrayBuffer>) : new Uint8Array(data);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", owned));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A source over bytes in memory. */
export function bytesSource(data: Uint8Array, name: string): FileSource {
  let digest: Promise<string> | undefined;
  return {
    name,
    size: data.length,
    sha256: () => (digest ??= sha256Hex(data)),
    read: async (offset, length) => data.subarray(offset, offset + length),
  };
}

function retryable(err: unknown, signal: AbortSignal | undefined): boolean {
  if (signal?.aborted) return false;
  const e = ConnectError.from(err);
  return (
    RESUMABLE.has(e.code) ||
    (e.code === Code.Internal && e.cause !== undefined) ||
    errorReason(e) === ErrorReason.UPLOAD_OFFSET_MISMATCH
  );
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      signal?.removeEventListener("abort", done);
      clearTimeout(timer);
      if (signal?.aborted) reject(ConnectError.from(signal.reason));
      else resolve();
    }
    signal?.addEventListener("abort", done);
  });
}

type ChunkInit = MessageInitShape<typeof UploadChunksRequestSchema>;

async function* chunks(
  uploadId: string,
  source: FileSource,
  offset: number,
  chunkBytes: number,
  onProgress: Progress | undefined,
): AsyncGenerator<ChunkInit> {
  while (offset < source.size) {
    const data = await source.read(offset, Math.min(chunkBytes, source.size - offset));
    if (data.length === 0) throw new Error(`${source.name}: the source ended at ${offset} of ${source.size} bytes`);
    yield { uploadId, offset: BigInt(offset), data };
    offset += data.length;
    onProgress?.(offset, source.size);
  }
}

/**
 * Uploads a file (FileService.StartUpload, then UploadChunks from the
 * committed offset, resumed after connection failures); returns the stored
 * file, whose `fileId` goes into a message's content (see `fileContent`).
 * Needs client streaming: Node's gRPC transport, not Connect-Web in a browser.
 */
export async function uploadFile(
  files: Client<typeof FileService>,
  source: FileSource,
  options: UploadOptions = {},
): Promise<FileInfo> {
  const { onProgress, signal } = options;
  const call: CallOptions = { signal, timeoutMs: options.timeoutMs };
  const stream: CallOptions = { signal, timeoutMs: options.timeoutMs ?? 0 };
  let uploadId = options.uploadId;
  let chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK;
  if (uploadId === undefined) {
    const started = await files.startUpload({ name: source.name, size: BigInt(source.size), sha256: await source.sha256() }, call);
    uploadId = started.uploadId;
    if (started.maxChunkBytes > 0) chunkBytes = Math.min(chunkBytes, started.maxChunkBytes);
    options.onStarted?.(uploadId);
  }
  const retries = options.retries ?? 8;
  let failures = 0;
  let committed = -1;
  for (;;) {
    try {
      const status = await files.getUploadStatus({ uploadId }, call);
      if (status.file) return status.file;
      const offset = Number(status.committedOffset);
      if (offset > committed) failures = 0;
      committed = offset;
      onProgress?.(offset, source.size);
      const done = await files.uploadChunks(chunks(uploadId, source, offset, chunkBytes, onProgress), stream);
      if (done.file) return done.file;
      throw new Error(`upload ${uploadId} ended at ${done.committedOffset} of ${source.size} bytes without a file`);
    } catch (err) {
      if (!retryable(err, signal) || ++failures > retries) throw err;
    }
    await sleep(Math.min(5_000, 100 * 2 ** failures), signal);
  }
}

export interface DownloadOptions {
  /** First byte (default 0). */
  offset?: number;
  /** Bytes wanted (default: to the end). */
  length?: number;
  /** The image's thumbnail instead of the file. */
  thumbnail?: boolean;
  /** `(received, expected)` after each chunk. */
  onProgress?: Progress;
  signal?: AbortSignal;
  /** Deadline of the whole download, milliseconds (none by default). */
  timeoutMs?: number;
}

export interface DownloadedFile {
  /** The file's metadata (from the stream's first chunk). */
  file: FileInfo;
  /** Where `data` starts in the file. */
  offset: number;
  /** The bytes: the whole file, or the range asked for. */
  data: Uint8Array;
}

/**
 * Downloads a file, or a range of it, over FileService.Download (a server
 * stream: Node and Connect-Web alike). Chunks must arrive in order and the
 * whole file is checked against its SHA-256; a mismatch throws.
 */
export async function downloadFile(
  files: Client<typeof FileService>,
  fileId: string,
  options: DownloadOptions = {},
): Promise<DownloadedFile> {
  const start = options.offset ?? 0;
  const stream = files.download(
    { fileId, offset: BigInt(start), length: BigInt(options.length ?? 0), thumbnail: options.thumbnail ?? false },
    { signal: options.signal, timeoutMs: options.timeoutMs ?? 0 },
  );
  let file: FileInfo | undefined;
  let expected = 0;
  const parts: Uint8Array[] = [];
  let received = 0;
  for await (const piece of stream) {
    if (piece.file) {
      file = piece.file;
      const total = Number(options.thumbnail ? file.thumbnailSize : file.size);
      expected = Math.max(0, options.length ? Math.min(options.length, total - start) : total - start);
    }
    if (Number(piece.offset) !== start + received) {
      throw new Error(`download of ${fileId}: chunk at ${piece.offset}, expected ${start + received}`);
    }
    parts.push(piece.data);
    received += piece.data.length;
    options.onProgress?.(received, expected);
  }
  if (file === undefined) throw new Error(`download of ${fileId}: the stream carried no file metadata`);
  if (received !== expected) throw new Error(`download of ${fileId}: ${received} bytes, expected ${expected}`);
  const data = new Uint8Array(received);
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.length;
  }
  if (start === 0 && !options.thumbnail && received === Number(file.size) && (await sha256Hex(data)) !== file.sha256) {
    throw new Error(`download of ${fileId}: the bytes do not match the file's SHA-256`);
  }
  return { file, offset: start, data };
}

/** The content of a message sharing a stored file: an image message for pictures, a file message otherwise. */
export function fileContent(file: FileInfo): MessageInitShape<typeof ContentSchema> {
  if (file.mimeType.startsWith("image/") && file.width > 0) {
    return {
      kind: {
        case: "image",
        value: {
          original: { fileId: file.fileId, width: file.width, height: file.height, size: file.size },
          mimeType: file.mimeType,
          placeholder: file.placeholder,
        },
      },
    };
  }
  return { kind: { case: "file", value: { fileId: file.fileId, name: file.name, size: file.size, mimeType: file.mimeType } } };
}
