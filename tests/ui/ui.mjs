// The web view at /ui in headless Chromium, driven by playwright-core, with the official
// TypeScript MCP SDK as the client whose call must appear live.
//
//   UI_BASE=http://127.0.0.1:PORT UI_TOKEN=... UI_WORKSPACE=alice UI_ADMIN_TOKEN=... \
//   UI_ARTIFACTS=target/ui-artifacts node tests/ui/ui.mjs
//
// Signs in with a bad token (refused), then the workspace token; searches "echo" and checks
// why the fixture matched; adds it; sees it under the workspace; calls its tool from an MCP
// client and sees the call arrive; removes it (the client hears list_changed) and sees it gone;
// takes laptop and phone screenshots. Every wait has a deadline. Prints "ui ok" on success.

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";

import { chromium } from "playwright-core";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const base = env("UI_BASE");
const token = env("UI_TOKEN");
const workspace = env("UI_WORKSPACE");
const adminToken = env("UI_ADMIN_TOKEN");
const artifacts = env("UI_ARTIFACTS");
const chromiumPath = process.env.UI_CHROMIUM || "/usr/bin/chromium";

/** Deadlines: a step in the page, and one that starts a container. */
const STEP = 20_000;
const START = 120_000;

fs.mkdirSync(artifacts, { recursive: true });
const shots = [];
async function shot(page, name, fullPage = true) {
  const file = path.resolve(artifacts, name);
  await page.screenshot({ path: file, fullPage });
  shots.push(file);
}

function step(what) {
  console.log(`ui: ${what}`);
}

async function signIn(page, value) {
  await page.goto(`${base}/ui`);
  await page.locator("#token").waitFor({ state: "visible", timeout: STEP });
  await page.getByLabel("Access token").fill(value);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** An MCP client of the workspace that counts tools/list_changed notifications. */
async function mcpClient() {
  const client = new Client({ name: "ui-test", version: "0" });
  let changes = 0;
  const waiters = [];
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    changes += 1;
    for (const w of waiters.splice(0)) w();
  });
  const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  const changed = (ms) => new Promise((resolve, reject) => {
    if (changes > 0) return resolve();
    const timer = setTimeout(() => reject(new Error(`no tools/list_changed within ${ms} ms`)), ms);
    waiters.push(() => { clearTimeout(timer); resolve(); });
  });
  return { client, changed };
}

const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
let mcp = null;
try {
  const laptop = await browser.newContext({ viewport: { width: 1366, height: 850 } });
  const page = await laptop.newPage();
  const problems = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error" && !/401|Unauthorized/.test(message.text())) {
      problems.push(`console: ${message.text()}`);
    }
  });

  step("a bad token is refused");
  await signIn(page, "not-a-real-token");
  const loginError = page.locator("#login-error");
  await loginError.filter({ hasText: "not accepted" }).waitFor({ state: "visible", timeout: STEP });
  assert.equal(await page.locator("#app").isVisible(), false, "the app stays hidden");
  await shot(page, "login-refused-laptop.png");

  step("sign in with the workspace token");
  await page.getByLabel("Access token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator("#app").waitFor({ state: "visible", timeout: STEP });
  await page.locator('[data-testid="who"]').filter({ hasText: workspace }).waitFor({ timeout: STEP });
  await page.locator(`.ws[data-workspace="${workspace}"]`).waitFor({ timeout: STEP });
  await page.locator('#live[data-state="live"]').waitFor({ timeout: STEP });
  assert.equal(await page.locator(".ws").count(), 1, "a workspace token sees its own workspace only");

  step("search, and why the fixture matched");
  await page.getByLabel("Search servers by what they do").fill("echo text");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  const card = page.locator('.result[data-server="echo"]');
  await card.waitFor({ timeout: STEP });
  assert.equal(await page.locator(".result").first().getAttribute("data-server"), "echo", "echo ranks first");
  const echoWord = card.locator('.chip.hit[data-word="echo"]');
  await echoWord.waitFor({ timeout: STEP });
  const echoWhy = await echoWord.textContent();
  assert.match(echoWhy, /name/, `"echo" hit the name: ${echoWhy}`);
  assert.match(echoWhy, /echo/, `"echo" hit the echo tool: ${echoWhy}`);
  await card.locator('.tools-matched [data-tool="echo"]').waitFor({ timeout: STEP });
  const meaning = await card.locator("[data-meaning]").getAttribute("data-meaning");
  assert.ok(["yes", "no", "off"].includes(meaning), `says whether meaning counted: ${meaning}`);
  await shot(page, "search-laptop.png");

  step("add the fixture server");
  await card.getByRole("button", { name: `Add echo to ${workspace}` }).click();
  const server = page.locator(`.ws[data-workspace="${workspace}"] .server[data-server="echo"]`);
  await server.waitFor({ timeout: START });
  await card.getByRole("button", { name: "Remove" }).waitFor({ timeout: STEP });

  step("an MCP client calls its tool; the call appears live");
  mcp = await mcpClient();
  const tools = (await mcp.client.listTools()).tools.map((t) => t.name);
  assert.ok(tools.includes("echo"), `the client sees echo: ${tools}`);
  const result = await mcp.client.callTool({ name: "echo", arguments: { text: "hello from the web view test" } });
  assert.ok(!result.isError, JSON.stringify(result));
  const row = page.locator('#calls-body tr[data-tool="echo"]');
  await row.first().waitFor({ timeout: STEP });
  assert.equal(await row.first().getAttribute("data-outcome"), "ok");
  assert.equal(await row.first().getAttribute("data-workspace"), workspace);
  assert.equal(await row.first().getAttribute("data-server"), "echo");
  assert.match(await row.first().textContent(), /\d+(\.\d)? ms/, "a duration");
  await server.locator('[data-state="running"]').waitFor({ timeout: STEP });
  assert.match(await server.textContent(), /container [0-9a-f]{12}/, "its container");
  await page.locator(`.ws[data-workspace="${workspace}"] .sessions li`).first().waitFor({ timeout: STEP });
  await shot(page, "workspace-and-calls-laptop.png");

  step("the same on a phone");
  const phone = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
  });
  const small = await phone.newPage();
  await signIn(small, token);
  await small.locator('#live[data-state="live"]').waitFor({ timeout: STEP });
  await small.locator(`.ws[data-workspace="${workspace}"] .server[data-server="echo"]`).waitFor({ timeout: STEP });
  await small.getByLabel("Search servers by what they do").fill("echo");
  await small.getByRole("button", { name: "Search", exact: true }).click();
  await small.locator('.result[data-server="echo"]').waitFor({ timeout: STEP });
  await mcp.client.callTool({ name: "add", arguments: { a: 2, b: 3 } });
  await small.locator('#calls-body tr[data-tool="add"]').waitFor({ timeout: STEP });
  const width = await small.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `no sideways scrolling on a phone (page is ${width}px wide)`);
  await small.locator("#search-section").scrollIntoViewIfNeeded();
  await shot(small, "phone.png", false);
  await small.locator("#workspaces-section").scrollIntoViewIfNeeded();
  await shot(small, "phone-workspace-and-calls.png", false);
  await phone.close();

  step("remove it; the client hears list_changed; it is gone");
  await server.getByRole("button", { name: `Remove echo from ${workspace}` }).click();
  await server.waitFor({ state: "detached", timeout: STEP });
  await mcp.changed(STEP);
  const after = (await mcp.client.listTools()).tools.map((t) => t.name);
  assert.ok(!after.includes("echo"), `echo is withdrawn: ${after}`);

  step("an admin sees every workspace");
  const admin = await browser.newContext({ viewport: { width: 1366, height: 850 } });
  const adminPage = await admin.newPage();
  await signIn(adminPage, adminToken);
  await adminPage.locator('[data-testid="who"]').filter({ hasText: "admin" }).waitFor({ timeout: STEP });
  await adminPage.locator(`.ws[data-workspace="${workspace}"]`).waitFor({ timeout: STEP });
  assert.ok((await adminPage.locator(".ws").count()) >= 2, "the admin sees the other workspace too");
  await admin.close();

  assert.deepEqual(problems, [], "no script errors in the page");
  for (const file of shots) console.log(`screenshot: ${file}`);
  console.log("ui ok");
} finally {
  if (mcp) await mcp.client.close().catch(() => {});
  await browser.close();
}
