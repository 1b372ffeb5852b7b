// The operator console end to end, in Chromium, against a running `parley serve`
// (tests/clients/test_console.py sets it up and checks what clients saw).
// Input: CONSOLE_E2E, JSON {url, secret, blockUser, pair: [a, b], revokeSeq, notifyUser, group,
// muteUser, newOwner, dismissPrefix, shots, tokenTtlSeconds}.
// Output: one JSON line of what it saw; a non-zero exit on any failure.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { launchChromium, newPage, seriousViolations } from "./chromium.mjs";

const cfg = JSON.parse(process.env.CONSOLE_E2E);
mkdirSync(cfg.shots, { recursive: true });
const seen = { violations: {}, figures: {} };
const browser = await launchChromium();
try {
  const page = await newPage(browser);
  const byText = (sel, text) => page.waitForFunction(
    (s, t) => [...document.querySelectorAll(s)].some((e) => e.textContent.includes(t)), { timeout: 15000 }, sel, text);
  async function check(name) {
    await page.screenshot({ path: `${cfg.shots}/${name}.png`, fullPage: true });
    seen.violations[name] = await seriousViolations(page);
  }

  // Sign in, with the keyboard.
  await page.goto(cfg.url, { waitUntil: "networkidle0" });
  await page.waitForSelector("#secret");
  await check("signin");
  await page.focus("#secret");
  await page.keyboard.type(cfg.secret);
  await page.keyboard.press("Enter");

  // Dashboard: figures from GetStatistics, non-zero after the test's messages.
  await page.waitForSelector("[data-testid=figures] dd");
  await page.waitForFunction(() => {
    const figure = [...document.querySelectorAll(".figure")].find((f) => f.querySelector("dt").textContent === "Messages in range");
    return figure && Number(figure.querySelector("dd").textContent) > 0;
  }, { timeout: 15000 });
  await page.waitForSelector(".uplot");
  await page.waitForSelector("[data-testid=by-platform] li");
  seen.byPlatform = await page.$$eval("[data-testid=by-platform] li", (lis) => Object.fromEntries(lis.map((li) => [li.querySelector(".bar-label").textContent, li.querySelector(".bar-value").textContent])));
  seen.figures = await page.$$eval(".figure", (fs) => Object.fromEntries(fs.map((f) => [f.querySelector("dt").textContent, f.querySelector("dd").textContent])));
  await check("dashboard");

  // Keyboard: from the page's heading (focused on arrival), Shift+Tab walks back
  // through the header to the skip link; Tab comes forward to Users, Enter opens it.
  const active = () => page.evaluate(() => document.activeElement.textContent);
  const walked = [];
  for (let i = 0; i < 10 && (await active()) !== "Skip to content"; i++) {
    await page.keyboard.down("Shift");
    await page.keyboard.press("Tab");
    await page.keyboard.up("Shift");
    walked.push(await active());
  }
  assert.equal(walked.at(-1), "Skip to content", `walked back: ${walked}`);
  for (let i = 0; i < 10 && (await active()) !== "Users"; i++) await page.keyboard.press("Tab");
  assert.equal(await active(), "Users");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => location.hash === "#/users");

  // Users: search, open, block with a reason.
  await page.waitForSelector("#user-search");
  await page.type("#user-search", cfg.blockUser);
  await page.keyboard.press("Enter");
  await page.waitForFunction((u) => [...document.querySelectorAll("td button.link")].some((b) => b.textContent === u) &&
    [...document.querySelectorAll("td button.link")].length === 1, { timeout: 15000 }, cfg.blockUser);
  await page.click("td button.link");
  await byText(".detail h3", "Devices online");
  await page.waitForSelector(".detail table td");  // the blocked user's open stream, listed
  seen.devicesBeforeBlock = await page.$$eval(".detail tbody tr", (rows) => rows.length);
  await page.type("#block-reason", "spam, reported by three users");
  await page.click("form.stack button.danger");
  await byText("[role=status]", "blocked");
  seen.blockStatus = await page.$eval("#user-status", (e) => e.textContent);
  await byText("td .tag", "Blocked");  // the list, refreshed
  await check("users");

  // Groups: one found by id; mute a member, hand the group to another member.
  await page.click('a[href="#/groups"]');
  await page.waitForSelector("#group-search");
  await page.type("#group-search", cfg.group);
  await page.keyboard.press("Enter");
  await byText("caption", "1 group(s) found");
  seen.group = await page.$$eval("tbody tr td", (tds) => tds.slice(0, 5).map((td) => td.textContent));
  await page.click("td button.link");
  await page.waitForSelector(`tr[data-user="${cfg.muteUser}"]`);
  await page.click(`button[aria-label="Mute ${cfg.muteUser}"]`);
  await byText("#group-status", `${cfg.muteUser} muted for`);
  await page.waitForSelector(`button[aria-label="Unmute ${cfg.muteUser}"]`);
  await page.select("#new-owner", cfg.newOwner);
  await page.click("aside form button[type=submit]");
  await byText("#group-status", `${cfg.newOwner} now owns the group.`);
  await byText("aside .pairs dd", cfg.newOwner);
  seen.roles = await page.$$eval("aside tbody tr", (rows) => Object.fromEntries(rows.map((r) => [r.dataset.user, r.children[1].textContent])));
  await check("groups");

  // Another group, found by its name's prefix, dismissed after a confirmation.
  await page.$eval("#group-search", (e) => { e.value = ""; });
  await page.type("#group-search", cfg.dismissPrefix);
  await page.keyboard.press("Enter");
  const doomed = `button[aria-label="Open group ${cfg.dismissPrefix}"]`;
  await page.waitForSelector(doomed);
  await byText("caption", "1 group(s) found");
  await page.click(doomed);
  await byText("#group-title", cfg.dismissPrefix);
  await page.click("aside > button.danger");
  await page.click("[aria-label='Confirm dismissal'] button.danger");
  await byText("#group-status", "dismissed.");
  await byText("[data-testid=group-state]", "Dismissed");
  await byText("td .tag", "Dismissed");  // the list, refreshed
  await check("group-dismissed");

  // Moderation: the pair's conversation, revoke one message as admin.
  await page.click('a[href="#/moderation"]');
  await page.waitForSelector("#user-a");
  await page.type("#user-a", cfg.pair[0]);
  await page.type("#user-b", cfg.pair[1]);
  await page.click("form.card button[type=submit]");
  const revoke = `button[aria-label="Revoke message ${cfg.revokeSeq}"]`;
  await page.waitForSelector(revoke);
  await page.click(revoke);
  await byText("[role=status]", `Message ${cfg.revokeSeq} revoked.`);
  await byText("tr.gone td", "(message revoked)");
  await check("moderation");

  // System notification with its preview.
  await page.click('a[href="#/notifications"]');
  await page.waitForSelector("#recipients");
  await page.type("#recipients", cfg.notifyUser);
  await page.type("#n-title", "Maintenance");
  await page.type("#n-text", "Down at 02:00 UTC for ten minutes.");
  await byText(".bubble p", "Down at 02:00 UTC");
  await page.click("form.card button[type=submit]");
  await byText("[role=status]", "stored for 1 user");
  await check("notifications");

  // Health: the node answers, with its version and mode.
  await page.click('a[href="#/health"]');
  await byText("[data-testid=health] dd", "Answering");
  seen.health = await page.$$eval("[data-testid=health] dt", (dts) => Object.fromEntries(dts.map((dt) => [dt.textContent, dt.nextElementSibling.textContent])));
  await check("health");

  // Sign out: back to sign-in, the token gone from the page.
  await page.click(".who button");
  await page.waitForSelector("#secret");
  await byText("[role=status]", "You have signed out.");
  await check("signed-out");
  seen.storage = await page.evaluate(() => localStorage.length + sessionStorage.length + document.cookie.length);

  // Expiry: a new session's token runs out (the server's admin token TTL is
  // short here) and the console returns to sign-in, saying why.
  await page.type("#secret", cfg.secret);
  await page.keyboard.press("Enter");
  await byText(".who", "Signed in as");
  await page.waitForSelector("#secret", { timeout: (cfg.tokenTtlSeconds + 15) * 1000 });
  await byText("[role=status]", "Your session has expired.");
  console.log(JSON.stringify(seen));
} finally {
  await browser.close();
}
