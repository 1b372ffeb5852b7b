// The web chat page (web/) in a real headless Chromium: two users, each in a
// browser context of their own (separate storage, like two browsers).
//   PARLEY_TEST_ADDR          host:port of the server's gRPC port (to register the users)
//   PARLEY_TEST_ADMIN_SECRET  the server's admin secret
//   PARLEY_TEST_WEB_URL       base URL of the server's web listener (what the page calls)
//   PARLEY_TEST_PAGE_URL      URL of web/dist/index.html on a static server (another origin)
//   PARLEY_TEST_ARTIFACTS     folder for screenshots and page logs when the test fails
//   CHROMIUM                  the browser (default /usr/bin/chromium, Debian's package)
// Run: npm run test:browser (bundles this file into dist/test/ with esbuild).
// tests/clients/test_browser.py runs it under pytest.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { connectParley, withToken } from "../../src/client.js";
import { Platform, SessionType } from "../../src/gen/parley/common/v1/common_pb.js";
import { KEPT_MESSAGES } from "../src/history.js";

const WAIT_MS = 15_000;

function env(name: string): string {
  const value = process.env[name];
  assert.ok(value, `${name} is not set: run this through \`pytest tests/clients/test_browser.py\``);
  return value;
}

interface ChatPage {
  name: string;
  userId: string;
  url: string;
  page: Page;
  log: string[];
}

// Controls by role and accessible name (puppeteer's ARIA selectors), as a
// screen reader finds them: a field or button without its label is not found.
const textbox = (name: string) => `::-p-aria([name="${name}"][role="textbox"])`;
const button = (name: string) => `::-p-aria([name="${name}"][role="button"])`;

/** The login form's fields, by their accessible names. */
interface FormLogin {
  "Parley web address": string;
  "User token": string;
  "Chat with (user id)": string;
}

/**
 * Opens a page for the user: logged in by the address's query, or through the
 * form when `form` is given. It joins `chats` at once, so that a failing load
 * still leaves a screenshot.
 */
async function openChat(
  browser: Browser,
  chats: ChatPage[],
  name: string,
  userId: string,
  url: string,
  form?: FormLogin,
): Promise<ChatPage> {
  // A context per user: its own localStorage, as two people's browsers have.
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  const chat: ChatPage = { name, userId, url, page, log: [] };
  page.on("console", (m) => chat.log.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => chat.log.push(`pageerror: ${e instanceof Error ? e.message : String(e)}`));
  page.on("requestfailed", (r) => chat.log.push(`requestfailed: ${r.url()} ${r.failure()?.errorText ?? ""}`));
  page.setDefaultTimeout(WAIT_MS);
  chats.push(chat);
  if (form === undefined) {
    await load(chat);
    return chat;
  }
  await page.goto(url);
  for (const [label, value] of Object.entries(form)) await page.type(textbox(label), value);
  await page.click(button("Log in"));
  await waitText(chat, "#status", `Connected as ${userId}.`);
  return chat;
}

/** Opens (or reopens) the page and waits until it is subscribed and caught up. */
async function load(chat: ChatPage): Promise<void> {
  await chat.page.goto(chat.url);
  await waitText(chat, "#status", `Connected as ${chat.userId}.`);
}

async function waitText(chat: ChatPage, selector: string, text: string): Promise<void> {
  try {
    await chat.page.waitForFunction(
      (sel: string, t: string) => [...document.querySelectorAll(sel)].some((e) => e.textContent?.includes(t)),
      { timeout: WAIT_MS },
      selector,
      text,
    );
  } catch {
    const shown = await chat.page.$$eval(selector, (els) => els.map((e) => e.textContent).join(" | "));
    assert.fail(`${chat.name}: no "${text}" in ${selector} within ${WAIT_MS} ms; it shows: ${shown || "nothing"}`);
  }
}

/** The seq of the shown message with this text, once it is shown. */
async function seqOf(chat: ChatPage, text: string): Promise<number> {
  await waitText(chat, "#messages li .text", text);
  return chat.page.$$eval(
    "#messages li",
    (lis, t) => Number(lis.find((li) => li.querySelector(".text")?.textContent === t)?.getAttribute("data-seq")),
    text,
  );
}

/** Waits until the user's own message with this text shows the receipt ("Delivered" or "Read"). */
async function waitReceipt(chat: ChatPage, text: string, receipt: "Delivered" | "Read"): Promise<void> {
  try {
    await chat.page.waitForFunction(
      (t: string, r: string) =>
        [...document.querySelectorAll("#messages li.mine")].some(
          (li) => li.querySelector(".text")?.textContent === t && li.querySelector(".receipt")?.textContent === r,
        ),
      { timeout: WAIT_MS },
      text,
      receipt,
    );
  } catch {
    assert.fail(`${chat.name}: no "${receipt}" receipt on "${text}" within ${WAIT_MS} ms`);
  }
}

async function waitRead(chat: ChatPage, text: string): Promise<void> {
  await waitReceipt(chat, text, "Read");
}

async function say(chat: ChatPage, text: string): Promise<void> {
  await chat.page.type(textbox("Message"), text);
  await chat.page.click(button("Send"));
}

async function saveArtifacts(dir: string, chats: ChatPage[]): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (const chat of chats) {
    if (!chat.page.isClosed()) {
      await chat.page.screenshot({ path: join(dir, `${chat.name}.png`), fullPage: true }).catch(() => undefined);
      const html = await chat.page.content().catch((err: unknown) => String(err));
      writeFileSync(join(dir, `${chat.name}.html`), html);
    }
    writeFileSync(join(dir, `${chat.name}.console.log`), chat.log.join("\n") + "\n");
  }
}

test("web chat in Chromium: live messages, typing, receipts, catch-up after a reload", { timeout: 240_000 }, async () => {
  const addr = env("PARLEY_TEST_ADDR");
  const webUrl = env("PARLEY_TEST_WEB_URL");
  const pageUrl = env("PARLEY_TEST_PAGE_URL");
  const artifacts = env("PARLEY_TEST_ARTIFACTS");

  const api = connectParley({ address: addr, timeoutMs: WAIT_MS });
  const { token: admin } = await api.auth.getAdminToken({ secret: process.env.PARLEY_TEST_ADMIN_SECRET ?? "" });
  const suffix = randomBytes(4).toString("hex");
  const [alice, bob] = [`alice-${suffix}`, `bob-${suffix}`];
  await api.user.registerUsers({ users: [{ userId: alice }, { userId: bob }] }, withToken(admin));
  const tokenOf = async (userId: string) =>
    (await api.auth.issueUserToken({ userId, platform: Platform.WEB }, withToken(admin))).token;
  // Alice logs in by the address, Bob through the form (his reloads then log in from sessionStorage).
  const aliceToken = await tokenOf(alice);
  const aliceUrl = `${pageUrl}?${new URLSearchParams({ server: webUrl, token: aliceToken, peer: bob })}`;
  const bobLogin = { "Parley web address": webUrl, "User token": await tokenOf(bob), "Chat with (user id)": alice };
  api.close();

  const started = Date.now();
  const step = (what: string) => console.log(`${((Date.now() - started) / 1000).toFixed(1)} s: ${what}`);
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    // --no-sandbox: Chromium's sandbox cannot run as root (the test machines run as root).
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
  });
  const chats: ChatPage[] = [];
  try {
    step(`Chromium ${await browser.version()} started`);
    const a = await openChat(browser, chats, "alice", alice, aliceUrl);
    const b = await openChat(browser, chats, "bob", bob, pageUrl, bobLogin);
    step("both pages subscribed");

    // Typing shows on the other page before the message is sent.
    await a.page.type(textbox("Message"), "hello bob");
    await waitText(b, "#typing", `${alice} is typing`);
    step("bob sees alice typing");
    await a.page.click(button("Send"));
    await waitText(b, "#messages li.theirs .text", "hello bob");
    step("bob got alice's message live");

    // Bob has the page open, so he reads it: a read receipt reaches Alice.
    await waitRead(a, "hello bob");
    step("alice sees bob's read receipt");

    await say(b, "hi alice");
    await waitText(a, "#messages li.theirs .text", "hi alice");
    await waitRead(b, "hi alice");
    step("alice got bob's answer live, bob sees her read receipt");

    // Bob leaves the page; what Alice sends meanwhile he gets on his return, by pull.
    await b.page.goto("about:blank");
    await say(a, "while you were away 1");
    await say(a, "while you were away 2");
    const away2 = await seqOf(a, "while you were away 2");
    // He comes back in a background tab (visibilityState "hidden"): the page
    // gets the messages, and so acknowledges their delivery, but reads nothing.
    const hidden = await b.page.evaluateOnNewDocument(() => {
      const w = window as unknown as { testHidden: boolean };
      w.testHidden = true;
      Object.defineProperty(Document.prototype, "visibilityState", {
        configurable: true,
        get: () => (w.testHidden ? "hidden" : "visible"),
      });
    });
    await load(b);
    for (const text of ["hello bob", "hi alice", "while you were away 1", "while you were away 2"]) {
      await waitText(b, "#messages li .text", text);
    }
    const from = Number(await b.page.$eval("#sync", (el) => el.getAttribute("data-from")));
    const to = Number(await b.page.$eval("#sync", (el) => el.getAttribute("data-to")));
    assert.ok(from > 1, `bob's page pulled from seq ${from}: it did not resume from the last seq it knew`);
    assert.ok(to >= away2, `bob's page caught up to seq ${to}, short of ${away2}`);
    await waitReceipt(a, "while you were away 2", "Delivered");
    step("alice sees the delivery receipt of bob's hidden page (AckDelivery)");
    await b.page.evaluate(() => {
      (window as unknown as { testHidden: boolean }).testHidden = false;
      document.dispatchEvent(new Event("visibilitychange"));
    });
    await b.page.removeScriptToEvaluateOnNewDocument(hidden.identifier);
    await waitRead(a, "while you were away 2");
    step(`bob reloaded and caught up from seq ${from} to ${to}, then read them`);

    // After the reload the stream is live again: a new message arrives as a push.
    await say(a, "after your reload");
    await waitText(b, "#messages li.theirs .text", "after your reload");
    // No second catch-up ran (it would move #sync): the message came on the stream.
    const syncedTo = Number(await b.page.$eval("#sync", (el) => el.getAttribute("data-to")));
    assert.equal(syncedTo, to, "bob's page caught up again instead of getting the message pushed");
    await say(b, "got it");
    await waitText(a, "#messages li.theirs .text", "got it");
    step("messages both ways after the reload");

    // Bob is away while Alice's phone sends more than the page keeps: on his
    // return he sees, and his localStorage holds, only the newest KEPT_MESSAGES.
    await b.page.goto("about:blank");
    const phone = connectParley({ address: addr, token: aliceToken, timeoutMs: WAIT_MS });
    const bulk = KEPT_MESSAGES + 5;
    try {
      for (let i = 1; i <= bulk; i++) {
        const content = { kind: { case: "text" as const, value: { text: `bulk ${i}` } } };
        await phone.msg.sendMessage({ message: { clientMsgId: `bulk-${suffix}-${i}`, sessionType: SessionType.SINGLE, recvId: bob, content } });
      }
    } finally {
      phone.close();
    }
    await load(b);
    await waitText(b, "#messages li .text", `bulk ${bulk}`);
    const shown = await b.page.$$eval("#messages li .text", (els) => els.map((e) => e.textContent));
    assert.equal(shown.length, KEPT_MESSAGES, `bob's page shows ${shown.length} messages`);
    assert.equal(shown[0], `bulk ${bulk - KEPT_MESSAGES + 1}`, "the page did not keep the newest messages");
    const stored = await b.page.evaluate(() =>
      Object.keys(localStorage)
        .filter((k) => k.startsWith("parley-web-chat:v1:"))
        .map((k) => (JSON.parse(localStorage.getItem(k) ?? "{}") as { messages?: unknown[] }).messages?.length ?? 0),
    );
    assert.deepEqual(stored, [KEPT_MESSAGES], "bob's localStorage does not hold exactly the kept messages");
    step(`${bulk} messages while away: bob's page keeps the newest ${KEPT_MESSAGES}`);
  } catch (err) {
    await saveArtifacts(artifacts, chats);
    throw err;
  } finally {
    await browser.close();
  }
});
