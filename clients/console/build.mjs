// Builds the console into dist/: one script, one stylesheet, index.html.
// The server serves dist/ as static files (web.console_path); no Node at run time.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";

const out = process.env.CONSOLE_OUT ?? "dist";
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: ["src/main.tsx"],
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  sourcemap: "linked",
  // The generated stubs import these from clients/ts's node_modules; one copy in the bundle.
  tsconfig: "tsconfig.json",
  jsx: "automatic",
  jsxImportSource: "preact",
  outfile: `${out}/app.js`,
  logLevel: "warning",
});
writeFileSync(
  `${out}/app.css`,
  readFileSync("node_modules/uplot/dist/uPlot.min.css", "utf8") + "\n" + readFileSync("src/app.css", "utf8"),
);
copyFileSync("src/index.html", `${out}/index.html`);
