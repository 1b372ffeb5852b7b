// Files on Node: upload from and download to the file system, streaming (a
// large file is never held in memory whole).
import type { Client } from "@connectrpc/connect";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, rename, rm, stat } from "node:fs/promises";
import { basename } from "node:path";
import type { FileInfo, FileService } from "./gen/parley/file/v1/file_pb.js";
import type { FileSource, Progress } from "./files.js";

/** A source reading a file on disk; `name` defaults to its base name. */
export async function fileSource(path: string, name: string = basename(path)): Promise<FileSource> {
  const { size } = await stat(path);
  let digest: Promise<string> | undefined;
  return {
    name,
    size,
    sha256: () =>
      (digest ??= (async () => {
        const hash = createHash("sha256");
        for await (const block of createReadStream(path)) hash.update(block as Buffer);
        return hash.digest("hex");
      })()),
    async read(offset, length) {
      const handle = await open(path, "r");
      try {
        const buf = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
        const { bytesRead } = await handle.read(buf, 0, buf.length, offset);
        return buf.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
    },
  };
}

/**
 * Saves a whole file at `path` (FileService.Download): written to
 * `path + ".part"`, checked against the file's SHA-256, then renamed, so
 * `path` never holds partial or corrupt bytes.
 */
export async function downloadFileTo(
  files: Client<typeof FileService>,
  fileId: string,
  path: string,
  options: { onProgress?: Progress; signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<FileInfo> {
  const part = `${path}.part`;
  const handle = await open(part, "w");
  const hash = createHash("sha256");
  let file: FileInfo | undefined;
  let written = 0;
  try {
    for await (const piece of files.download({ fileId }, { signal: options.signal, timeoutMs: options.timeoutMs ?? 0 })) {
      file ??= piece.file;
      if (Number(piece.offset) !== written) throw new Error(`download of ${fileId}: chunk at ${piece.offset}, expected ${written}`);
      await handle.write(piece.data);
      hash.update(piece.data);
      written += piece.data.length;
      options.onProgress?.(written, Number(file?.size ?? 0));
    }
  } catch (err) {
    await handle.close();
    await rm(part, { force: true });
    throw err;
  }
  await handle.close();
  if (file === undefined || written !== Number(file.size) || hash.digest("hex") !== file.sha256) {
    await rm(part, { force: true });
    throw new Error(`download of ${fileId}: the bytes do not match the file's size and SHA-256`);
  }
  await rename(part, path);
  return file;
}
