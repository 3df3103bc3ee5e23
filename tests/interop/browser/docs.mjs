// Loads /docs in headless Chromium, checks every function is on the page,
// submits the `add` form and waits for its result, and keeps a screenshot.
// Usage: node docs.mjs BASE_URL SCREENSHOT_PATH FUNCTION_NAME...
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [base, screenshot, ...names] = process.argv.slice(2);
if (!base || !screenshot || names.length === 0) {
  console.error("usage: node docs.mjs BASE_URL SCREENSHOT_PATH FUNCTION_NAME...");
  process.exit(2);
}
const fail = (message) => {
  console.error(`docs_browser: FAIL: ${message}`);
  process.exitCode = 1;
};

const profile = mkdtempSync(join(tmpdir(), "docs-chromium-"));
// A fresh profile: playwright passes it as --user-data-dir.
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1440, height: 1000 },
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
try {
  const page = browser.pages()[0] || (await browser.newPage());
  const offsite = [];
  // Each page may reach its own server only (the tasks part opens a second one).
  const hosts = [base, process.env.TASKS_BASE].filter(Boolean);
  page.on("request", (request) => {
    const url = request.url();
    if (!hosts.some((host) => url.startsWith(host)) && !url.startsWith("data:")) offsite.push(url);
  });
  const consoleErrors = [];
  // The deliberate 404 below logs "Failed to load resource"; anything else is a bug.
  page.on("console", (msg) => {
    if (msg.type() === "error" && !msg.text().startsWith("Failed to load resource")) consoleErrors.push(msg.text());
  });
  page.on("pageerror", (err) => consoleErrors.push(String(err)));

  const response = await page.goto(`${base}/docs`, { waitUntil: "load" });
  if (!response || response.status() !== 200) fail(`GET /docs answered ${response && response.status()}`);

  // Every function has a section with its name as the heading, and a sidebar link.
  for (const name of names) {
    const heading = page.locator(`section#fn-${name} h2`);
    if ((await heading.count()) !== 1) {
      fail(`no section for \`${name}\``);
      continue;
    }
    const text = (await heading.innerText()).trim();
    if (text !== name) fail(`section heading for \`${name}\` reads \`${text}\``);
    if ((await page.locator(`nav a[href="#fn-${name}"]`).count()) !== 1) fail(`no sidebar link for \`${name}\``);
  }
  const sections = await page.locator("section.fn[id^='fn-']").count();
  if (sections !== names.length) fail(`${sections} function sections on the page, ${names.length} functions registered`);

  // Submit the `add` form with values typed in, and read the result.
  const form = page.locator("section#fn-add form.try");
  await form.locator("input[name=a]").fill("19");
  await form.locator("input[name=b]").fill("23");
  const curl = await page.locator("section#fn-add [data-curl]").innerText();
  if (!curl.includes('{"a":19,"b":23}')) fail(`the curl line did not follow the form: ${curl}`);
  await form.locator("button.send").click();
  const status = form.locator(".result .status");
  await status.filter({ hasText: "200" }).waitFor({ timeout: 10_000 });
  const body = (await form.locator(".result-body").innerText()).trim();
  if (body !== "42") fail(`add(19, 23) showed ${JSON.stringify(body)}`);
  else console.error("docs_browser: the add form answered 200 with 42");

  // A GET form with a path parameter, and an error shown as a problem.
  const item = page.locator("section#fn-get_item form.try");
  await item.locator("input[name=id]").fill("0");
  await item.locator("button.send").click();
  await item.locator(".result .status").filter({ hasText: "404" }).waitFor({ timeout: 10_000 });
  const problem = JSON.parse(await item.locator(".result-body").innerText());
  if (problem.code !== "not_found") fail(`get_item(0) showed ${JSON.stringify(problem)}`);

  // Resources and prompts: each form answers with its own content type.
  const send = async (name, values) => {
    const f = page.locator(`section#fn-${name} form.try`);
    for (const [field, value] of Object.entries(values)) {
      const input = f.locator(`[name=${field}]`);
      const tag = await input.evaluate((el) => el.tagName);
      if (tag === "SELECT") await input.selectOption(value);
      else await input.fill(value);
    }
    await f.locator("button.send").click();
    await f.locator(".result .status").filter({ hasText: "200" }).waitFor({ timeout: 10_000 });
    return f;
  };
  const text = await send("test_static_text", {});
  const shown = (await text.locator(".result-body").innerText()).trim();
  if (shown !== "This is the content of the static text resource.") fail(`the text resource showed ${JSON.stringify(shown)}`);
  const block = await send("test_block", { height: "42" });
  const blockBody = JSON.parse(await block.locator(".result-body").innerText());
  if (blockBody.height !== 42) fail(`the block template showed ${JSON.stringify(blockBody)}`);
  const binary = await send("test_static_binary", {});
  await binary.locator("img.result-image").waitFor({ timeout: 10_000 });
  const width = await binary.locator("img.result-image").evaluate((img) => img.decode().then(() => img.naturalWidth));
  if (width !== 1) fail(`the PNG resource rendered ${width} pixels wide, expected 1`);
  const prompt = await send("test_typed_prompt", { period: "week", count: "3" });
  const messages = JSON.parse(await prompt.locator(".result-body").innerText());
  if (!Array.isArray(messages) || messages[0].role !== "user" || !messages[0].content.text.includes("top 3"))
    fail(`the prompt form showed ${JSON.stringify(messages)}`);
  else console.error("docs_browser: resource, template, binary and prompt forms answered");
  if ((await page.locator("section#fn-test_block .chip-uri").innerText()) !== "test://blocks/{height}")
    fail("the template's URI chip is missing");
  // The MCP snippets follow the forms with the right method.
  const blockMcp = JSON.parse(await page.locator("section#fn-test_block [data-mcp]").innerText());
  if (blockMcp.method !== "resources/read" || blockMcp.params.uri !== "test://blocks/42")
    fail(`the template's MCP snippet reads ${JSON.stringify(blockMcp)}`);
  const promptMcp = JSON.parse(await page.locator("section#fn-test_typed_prompt [data-mcp]").innerText());
  if (promptMcp.method !== "prompts/get" || promptMcp.params.arguments.count !== "3")
    fail(`the prompt's MCP snippet reads ${JSON.stringify(promptMcp)}`);
  const addMcp = JSON.parse(await page.locator("section#fn-add [data-mcp]").innerText());
  if (addMcp.method !== "tools/call" || addMcp.params.arguments.a !== 19)
    fail(`the add MCP snippet reads ${JSON.stringify(addMcp)}`);

  // Take the screenshot with the add result in view.
  await page.evaluate(() => {
    document.documentElement.style.scrollBehavior = "auto";
    document.querySelector("#fn-add").scrollIntoView({ block: "start", behavior: "instant" });
  });
  await page.waitForTimeout(300);
  await page.screenshot({ path: screenshot, fullPage: false });
  await page.screenshot({ path: screenshot.replace(/\.png$/, "-full.png"), fullPage: true });
  console.error(`docs_browser: screenshot at ${screenshot}`);

  // A task: hashstats' `difficulty_scan` (task = "optional") with "run as a
  // task" ticked answers 202; the form polls the task's Location, shows it
  // working, then the result. A second run is cancelled from the form.
  const tasksBase = process.env.TASKS_BASE;
  if (tasksBase) {
    await page.goto(`${tasksBase}/docs`, { waitUntil: "load" });
    const scan = page.locator("section#fn-difficulty_scan form.try");
    if (!(await scan.locator("input.run-task").isChecked())) fail("the run-as-a-task box is not ticked");
    await scan.locator("[name=pages]").fill("2");
    await scan.locator("[name=pause_ms]").fill("1500");
    await scan.locator("button.send").click();
    await page.waitForFunction(() => document.querySelector("section#fn-difficulty_scan form.try").dataset.lastStatus === "202", null, { timeout: 20000 });
    const working = await scan.locator(".result .meta").innerText();
    if (!working.startsWith("task working")) fail(`a working task showed ${JSON.stringify(working)}`);
    await page.waitForFunction(() => document.querySelector("section#fn-difficulty_scan form.try").dataset.lastStatus === "200", null, { timeout: 60000 });
    const done = JSON.parse(await scan.locator(".result-body").innerText());
    if (done.pages_read !== 2) fail(`the task's result reads ${JSON.stringify(done)}`);
    const doneMeta = await scan.locator(".result .meta").innerText();
    if (!doneMeta.includes("task completed")) fail(`the finished task's line reads ${JSON.stringify(doneMeta)}`);
    console.error("docs_browser: the difficulty_scan form ran a task, polled it and showed its result");

    await scan.locator("[name=pages]").fill("5");
    await scan.locator("[name=pause_ms]").fill("5000");
    await scan.locator("button.send").click();
    await page.waitForFunction(() => document.querySelector("section#fn-difficulty_scan form.try").dataset.taskStatus === "working", null, { timeout: 20000 });
    await scan.locator("button.cancel-task").click();
    await page.waitForFunction(() => document.querySelector("section#fn-difficulty_scan form.try").dataset.taskStatus === "cancelled", null, { timeout: 20000 });
    const cancelled = JSON.parse(await scan.locator(".result-body").innerText());
    if (cancelled.status !== "cancelled") fail(`the cancelled task reads ${JSON.stringify(cancelled)}`);
    console.error("docs_browser: the Cancel button cancelled a running task");
  }

  if (offsite.length) fail(`the page requested other hosts: ${offsite.join(", ")}`);
  if (consoleErrors.length) fail(`console errors: ${consoleErrors.join(" | ")}`);
} catch (err) {
  fail(String(err && err.stack ? err.stack : err));
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
