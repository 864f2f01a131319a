// The whole flow through the consoles' web pages, in Debian's Chromium driven by
// playwright-core, against real programs started by the integration test
// (tests/integration/console_web_test.cpp):
//
//   node auction_flow.mjs SELLER_URL BOB_URL CAROL_URL DAVE_URL ARTEFACT_DIR
//
// A seller creates two auctions and cancels one; the buyers' lobbies follow live; bob's
// socket drops and the page reconnects and reads the lobby again; carol joins, leaves and
// joins again, bob and dave join; dave sets a max price before the start. The seller starts;
// prices rise on every page; dave is out when the price passes his max, and his page says
// why. Then the seller's program stops: this script prints "STOP THE SELLER" and the test
// stops it; the buyers' pages say the auction is paused; the script prints "START THE
// SELLER", the test starts it again and writes its new page's address on this script's
// standard input. On that page the seller resumes the auction; the buyers' pages say the
// seller is back and the price rises again; carol withdraws, and every page shows bob as the
// winner.
//
// Exit 0 when every step was seen; otherwise 1 with what was missing. Screenshots of the
// pages land in ARTEFACT_DIR.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";

const [sellerUrl, bobUrl, carolUrl, daveUrl, artefacts] = process.argv.slice(2);
if (!artefacts) {
  console.error("usage: node auction_flow.mjs SELLER_URL BOB_URL CAROL_URL DAVE_URL ARTEFACT_DIR");
  process.exit(2);
}
mkdirSync(artefacts, { recursive: true });
const step_ms = 20_000;  // a bound on each wait: it only turns a hang into a failure
const lines = createInterface({ input: process.stdin });
const input = lines[Symbol.asyncIterator]();

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
const pages = {};
let step = "opening the pages";
let failed = false;

// Never outlive the test, nor leave the browser behind: when the test that started this
// script goes away (its end of the standard input closes), or after a bound on the whole
// flow, the browser is closed and the script exits.
async function giveUp(why) {
  console.error(`browser flow stopped while ${step}: ${why}`);
  await browser.close().catch(() => {});
  process.exit(1);
}
lines.on("close", () => giveUp("the test's end of the standard input closed"));
setTimeout(() => giveUp("the whole flow took more than 150 s"), 150_000).unref();

async function open(name, url) {
  const page = await (await browser.newContext()).newPage();
  page.setDefaultTimeout(step_ms);
  await page.goto(url);
  await page.locator("#connection", { hasText: /^connected$/ }).waitFor();
  pages[name] = page;
  return page;
}

try {
  const seller = await open("seller", sellerUrl);
  const bob = await open("bob", bobUrl);
  const carol = await open("carol", carolUrl);
  const dave = await open("dave", daveUrl);
  const buyers = [bob, carol, dave];
  const row = (page, id) => page.locator(`tr[data-auction="${id}"]`);
  const log = (page, text) => page.locator("#log div", { hasText: text }).first();

  step = "creating two auctions";
  const create = async (name, item, terms = {}) => {
    await seller.fill('#create input[name="auction"]', name);
    await seller.fill('#create input[name="item"]', item);
    await seller.fill('#create input[name="base"]', "10.00");
    await seller.fill('#create input[name="increment"]', "0.50");
    await seller.fill('#create input[name="period"]', "700");
    await seller.fill('#create input[name="description"]', `a ${item}`);
    await seller.fill('#create input[name="reserve"]', terms.reserve || "");
    await seller.setChecked('#create input[name="hidden"]', Boolean(terms.hidden));
    await seller.fill('#create input[name="increments"]', terms.increments || "");
    await seller.fill('#create input[name="grace"]', terms.grace || "");
    await seller.click('#create button[type="submit"]');
  };
  await create("spring sale", "brass lamp");
  await row(seller, 1).waitFor();
  // The second one with terms: its seller sees the hidden reserve, buyers only that there is one.
  await create("winter sale", "wool coat",
    { reserve: "90.00", hidden: true, increments: "20.00:2.00", grace: "2" });
  for (const page of [seller, ...buyers]) await row(page, 2).waitFor();
  await row(seller, 2).locator("td", { hasText: "reserve 90.00 (hidden)" }).waitFor();
  await row(seller, 2).locator("td", { hasText: "increments +2.00 from 20.00" }).waitFor();
  await row(seller, 2).locator("td", { hasText: "grace 2 missed rounds" }).waitFor();
  for (const page of buyers) {
    await row(page, 2).locator("td", { hasText: "a hidden reserve" }).waitFor();
    if ((await row(page, 2).textContent()).includes("90.00")) {
      throw new Error("a buyer's page shows the hidden reserve");
    }
  }

  step = "cancelling the second auction";
  await row(seller, 2).locator('button[data-action="cancel"]').click();
  for (const page of [seller, ...buyers]) {
    await row(page, 2).locator("td.stage", { hasText: "cancelled" }).waitFor();
  }

  step = "bob's socket dropping";
  await bob.evaluate(() => new Promise((closed) => {
    socket.addEventListener("close", closed);
    socket.close();
  }));
  await bob.locator("#connection", { hasText: "reconnecting" }).waitFor();
  await bob.locator("#connection", { hasText: /^connected$/ }).waitFor();
  await row(bob, 1).waitFor();

  step = "joining and leaving";
  await row(carol, 1).locator('button[data-action="join"]').click();
  await row(seller, 1).locator("td.buyers", { hasText: "1" }).waitFor();
  await row(carol, 1).locator('button[data-action="leave"]').click();
  await row(seller, 1).locator("td.buyers", { hasText: "0" }).waitFor();
  for (const page of buyers) await row(page, 1).locator('button[data-action="join"]').click();
  await row(seller, 1).locator("td.buyers", { hasText: "3" }).waitFor();

  step = "dave's max price, before the start";
  await row(dave, 1).locator('input[name="max"]').fill("11.00");
  await row(dave, 1).locator('button[data-action="max"]').click();
  await log(dave, "max price for auction 1: 11.00").waitFor();

  step = "starting: prices rise on every page";
  await row(seller, 1).locator('button[data-action="start"]').click();
  // (The log, not the price cell, which moves on every period.)
  for (const page of buyers) await log(page, "auction 1: round 2, price 11.00").waitFor();
  await row(bob, 1).locator("td.price", { hasText: /^1[1-9]\.\d\d$/ }).waitFor();

  step = "dave out at his max price";
  await log(dave, "passed your max price 11.00").waitFor();
  await log(bob, "auction 1: dave withdrew").waitFor();

  step = "the seller's program stopping: the auction pauses";
  await seller.screenshot({ path: join(artefacts, "seller-before-stop.png"), fullPage: true });
  console.log("STOP THE SELLER");
  for (const page of [bob, carol]) {
    await page.locator(".banner.paused", { hasText: "Auction 1 is paused" }).waitFor();
  }

  step = "the seller's program again, on a new page";
  console.log("START THE SELLER");
  const next = await input.next();
  if (next.done) throw new Error("no address of the seller's new page on standard input");
  const again = await open("seller-again", next.value.trim());
  await again.locator(".banner.paused", { hasText: "Auction 1 is paused" }).waitFor();
  for (const page of [bob, carol]) {
    await log(page, "alice logged in again").waitFor();
    await page.locator(".banner.back", { hasText: "the seller alice is back" }).waitFor();
  }

  step = "resuming";
  await row(again, 1).locator('button[data-action="resume"]').click();
  for (const page of [bob, carol]) await log(page, "auction 1: resumed at round").waitFor();
  await again.locator(".banner.paused").waitFor({ state: "detached" });

  step = "carol withdrawing: bob wins on every page";
  await row(carol, 1).locator('button[data-action="withdraw"]').click();
  for (const page of [again, ...buyers]) {
    await page.locator(".banner.finished", { hasText: "Auction 1 finished: bob won at" }).waitFor();
  }
  await bob.locator(".banner.finished", { hasText: "(you won)" }).waitFor();
  console.log("the auction ran to its winner on every page");
} catch (error) {
  failed = true;
  console.error(`browser flow failed while ${step}: ${error.message}`);
} finally {
  for (const [name, page] of Object.entries(pages)) {
    await page.screenshot({ path: join(artefacts, `${name}.png`), fullPage: true }).catch(() => {});
  }
  lines.removeAllListeners("close");
  await browser.close();
}
process.exit(failed ? 1 : 0);
