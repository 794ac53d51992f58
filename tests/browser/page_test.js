// page_test.js - chainsim's web page in a real browser.
//
//   node tests/browser/page_test.js CHAINSIM_BINARY [SCREENSHOT.png]
//
// Starts three `chainsim node` processes on free loopback ports, drives
// their pages with headless Chromium (Debian's /usr/bin/chromium through
// playwright-core, which never downloads a browser): register peers, add a
// transaction, mine, resolve conflicts, each through the page's forms; checks
// the live updates (Server-Sent Events) and that the forms also work with
// JavaScript off, refusals included. Saves a screenshot and ends with
// "N passed, N failed" (exit 1 if any failed).
"use strict";
const { spawn } = require("child_process");
const os = require("os");
const path = require("path");
const { chromium } = require("playwright-core");

const BIN = process.argv[2];
const SHOT = process.argv[3] || path.join(os.tmpdir(), "chainsim-page.png");
if (!BIN) {
  console.error("usage: node page_test.js CHAINSIM_BINARY [SCREENSHOT.png]");
  process.exit(2);
}

const procs = [];
let passed = 0, failed = 0;

function startNode(name) {
  return new Promise((resolve, reject) => {
    const p = spawn(BIN, ["node", "0", "--name", name], { stdio: ["ignore", "pipe", "pipe"] });
    procs.push(p);
    let out = "";
    const timer = setTimeout(() => reject(new Error(name + " did not start")), 10000);
    p.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/http:\/\/[0-9.:]+/);
      if (m) { clearTimeout(timer); resolve(m[0]); }
    });
    p.on("exit", (code) => reject(new Error(name + " exited with " + code)));
  });
}

async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log("ok   " + name);
  } catch (e) {
    failed++;
    console.log("FAIL " + name + ": " + (e && e.message ? e.message : e));
  }
}

function expect(cond, what) { if (!cond) throw new Error(what); }

async function json(url) { return (await fetch(url)).json(); }

async function main() {
  const [A, B, C] = await Promise.all([startNode("alice"), startNode("bob"), startNode("carol")]);
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  try {
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const pa = await ctx.newPage();
    const pb = await ctx.newPage();
    await pa.goto(A + "/");
    await pb.goto(B + "/");

    await check("the page shows the genesis block with its zeros marked", async () => {
      await pa.waitForSelector("#chain .block .zeros");
      expect((await pa.textContent("#chain .block .index")).trim() === "#1", "first card is not #1");
      expect((await pa.textContent("#chain .zeros")) === "0000", "leading zeros not marked");
    });

    await check("live badge: the event stream is open", async () => {
      await pa.waitForSelector("#live:not([hidden])", { timeout: 5000 });
    });

    await check("add a transaction through the form", async () => {
      await pa.fill("#form-tx input[name=sender]", "alice");
      await pa.fill("#form-tx input[name=receiver]", "bob");
      await pa.fill("#form-tx input[name=amount]", "5");
      await pa.click("#form-tx button");
      await pa.waitForSelector("#message-area .message.info", { timeout: 5000 });
      expect(/Block 2/.test(await pa.textContent("#message-area")), "no confirmation");
      await pa.waitForFunction(() => document.querySelector("#mempool").textContent.includes("bob"),
                               null, { timeout: 5000 });
    });

    await check("mine through the form: a new card, the mempool empties", async () => {
      await pa.click("#form-mine button");
      await pa.waitForFunction(() => /Mined block #2/.test(document.querySelector("#message-area").textContent),
                               null, { timeout: 10000 });
      await pa.waitForFunction(() => document.querySelector("#chain .block .index").textContent.trim() === "#2",
                               null, { timeout: 5000 });
      expect((await pa.textContent("#mempool")).includes("no transactions"), "mempool not empty");
      expect((await pa.textContent("#balances")).includes("alice"), "balances not shown");
    });

    await check("register a peer and resolve conflicts on another page", async () => {
      await pb.fill("#form-register input[name=node]", A);
      await pb.click("#form-register button");
      await pb.waitForFunction((a) => document.querySelector("#peers").textContent.includes(a), A,
                               { timeout: 5000 });
      await pb.click("#form-consensus button");
      await pb.waitForFunction(() => /replaced/.test(document.querySelector("#message-area").textContent),
                               null, { timeout: 10000 });
      await pb.waitForFunction(() => document.querySelector("#chain .block .index").textContent.trim() === "#2",
                               null, { timeout: 5000 });
      const sa = await json(A + "/status"), sb = await json(B + "/status");
      expect(sa.tip === sb.tip, "tips differ after resolve");
    });

    await check("a refused action says why", async () => {
      await pb.fill("#form-register input[name=node]", "ftp://127.0.0.1:1");
      await pb.click("#form-register button");
      await pb.waitForSelector("#message-area .message.error", { timeout: 5000 });
      expect(/http:\/\//.test(await pb.textContent("#message-area .message.error")), "reason not shown");
    });

    await check("a refused form keeps what was typed", async () => {
      await pa.fill("#form-tx input[name=sender]", "alice");
      await pa.fill("#form-tx input[name=receiver]", "carol");
      await pa.fill("#form-tx input[name=amount]", "0");
      await pa.click("#form-tx button");
      await pa.waitForFunction(() => /amount/.test((document.querySelector("#message-area .message.error") || {}).textContent),
                               null, { timeout: 5000 });
      const typed = [await pa.inputValue("#form-tx input[name=sender]"),
                     await pa.inputValue("#form-tx input[name=receiver]"),
                     await pa.inputValue("#form-tx input[name=amount]")];
      expect(typed.join(",") === "alice,carol,0", "the form was cleared: " + typed.join(","));
    });

    await check("live update: a block mined elsewhere appears without a reload", async () => {
      // B has A as a peer now; A registers B so gossip reaches B's page.
      await fetch(A + "/register_node", { method: "POST", headers: { "Content-Type": "application/json" },
                                          body: JSON.stringify({ node: B }) });
      await fetch(A + "/mine", { method: "POST", headers: { Accept: "application/json" } });
      await pb.waitForFunction(() => document.querySelector("#chain .block .index").textContent.trim() === "#3",
                               null, { timeout: 10000 });
    });

    await check("a resolve that replaced the chain is a success; a peer that was down is a line of its own", async () => {
      const pc = await ctx.newPage();
      await pc.goto(C + "/");
      for (const node of ["http://127.0.0.1:1", A])
        await fetch(C + "/register_node", { method: "POST", headers: { "Content-Type": "application/json" },
                                            body: JSON.stringify({ node }) });
      await pc.click("#form-consensus button");
      await pc.waitForSelector("#message-area .message.error", { timeout: 15000 });
      const lines = await pc.$$eval("#message-area .message",
                                    (ds) => ds.map((d) => d.className + "|" + d.textContent));
      expect(lines.length === 2, "expected two lines, got " + JSON.stringify(lines));
      expect(/info\|Our chain was replaced \(length 3\)/.test(lines[0]), "first line: " + lines[0]);
      expect(/error\|Not taken from http:\/\/127\.0\.0\.1:1:/.test(lines[1]), "second line: " + lines[1]);
      await pc.close();
    });

    await check("forms work with JavaScript off (redirects, and refusals on the page)", async () => {
      const noJs = await browser.newContext({ javaScriptEnabled: false });
      const pc = await noJs.newPage();
      await pc.goto(C + "/");
      await pc.fill("#form-register input[name=node]", A);
      await Promise.all([pc.waitForNavigation(), pc.click("#form-register button")]);
      expect(pc.url() === C + "/", "no redirect to / (" + pc.url() + ")");
      expect((await pc.textContent("#peers")).includes(A), "peer not listed");
      await Promise.all([pc.waitForNavigation(), pc.click("#form-consensus button")]);
      expect((await pc.textContent("#chain .block .index")).trim() === "#3", "not resolved");
      await pc.fill("#form-register input[name=node]", "http://127.0.0.1:99999");
      const [resp] = await Promise.all([pc.waitForNavigation(), pc.click("#form-register button")]);
      expect(resp.status() === 400, "refusal status " + resp.status());
      expect(/port/.test(await pc.textContent(".message.error")), "no reason on the page");
      expect((await pc.inputValue("#form-register input[name=node]")) === "http://127.0.0.1:99999",
             "the refused URL was not kept in its input");
      await noJs.close();
    });

    await pa.reload();
    await pa.screenshot({ path: SHOT, fullPage: true });
    console.log("screenshot: " + SHOT);
  } finally {
    await browser.close();
  }
}

main()
  .catch((e) => { failed++; console.log("FAIL setup: " + e.message); })
  .finally(() => {
    for (const p of procs) p.kill("SIGTERM");
    console.log(passed + " passed, " + failed + " failed");
    process.exit(failed ? 1 : 0);
  });
