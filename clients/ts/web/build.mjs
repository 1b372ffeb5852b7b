// Bundles the web chat page into static files (web/dist/): index.html and one
// ES module with the client, Connect-Web and the generated contract inside.
// Serve the folder from any static host; nothing runs on Node at run time.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "dist");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const result = await build({
  entryPoints: [join(here, "src", "chat.ts")],
  outfile: join(out, "chat.js"),
  bundle: true,
  format: "esm",
  platform: "browser",
  // Browsers with fetch streams and AbortSignal.any (2023 and later).
  target: ["chrome116", "firefox124", "safari17.4"],
  minify: true,
  sourcemap: true,
  metafile: true,
  logLevel: "warning",
});
copyFileSync(join(here, "index.html"), join(out, "index.html"));
const js = result.metafile.outputs[Object.keys(result.metafile.outputs).find((f) => f.endsWith("chat.js"))];
console.log(`web/dist: index.html, chat.js (${Math.round(js.bytes / 1024)} KiB, + source map)`);
