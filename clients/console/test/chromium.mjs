// Debian's Chromium driven by puppeteer-core (nothing downloads a browser of
// its own), and axe-core run inside a page: shared by the browser tests.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import puppeteer from "puppeteer-core";

const require = createRequire(import.meta.url);

export function launchChromium() {
  return puppeteer.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    // Tests run as root in containers, where Chromium's sandbox cannot start.
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900"],
    defaultViewport: { width: 1280, height: 900 },
  });
}

/** A page that ignores the site's CSP, so axe-core can be injected into it. */
export async function newPage(browser) {
  const page = await browser.newPage();
  await page.setBypassCSP(true);
  page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
  return page;
}

const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** axe-core's serious and critical violations on the page as it is now (WCAG 2.1 A/AA and best practice). */
export async function seriousViolations(page) {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] }),
  );
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")) }));
}
