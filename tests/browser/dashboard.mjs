// Drives the coordinator's overview in Debian's headless Chromium (playwright-core, pinned in
// package-lock.json): sign in through the chat's link, read every page at laptop and phone width,
// run axe-core (pinned, injected) on each, filter, open a request and act on it.
//
//   node tests/browser/dashboard.mjs BASE_URL SIGN_IN_URL OUT_DIR
//
// Writes OUT_DIR/dashboard-<page>.png (laptop) and dashboard-<page>-phone.png, and prints one JSON
// object: {pages: {name: {status, violations: [...]}}, steps: [...]}; exits non-zero when a step fails.
import { chromium } from "playwright-core";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const AXE = require.resolve("axe-core/axe.min.js");
const [base, signIn, out] = process.argv.slice(2);
const PAGES = [["vragen", "/overzicht/vragen"], ["vraag", "/overzicht/vragen/1"],
               ["inzendingen", "/overzicht/inzendingen"], ["deadlines", "/overzicht/deadlines"],
               ["kosten", "/overzicht/kosten"], ["programma", "/overzicht/programma"]];
const WIDTHS = [["", { width: 1280, height: 900 }], ["-phone", { width: 390, height: 844 }]];
const report = { pages: {}, steps: [] };

// Open a page, run axe-core on it, note sideways scrolling, and photograph it.
async function check(page, url, name) {
  const response = await page.goto(url);
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(async () => await window.axe.run(document, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } }));
  const violations = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5) }));
  const wide = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
  await page.screenshot({ path: path.join(out, `dashboard-${name}.png`), fullPage: true });
  return { status: response.status(), violations, scrollsSideways: wide, rulesPassed: result.passes.length };
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"],
});
try {
  // bypassCSP only so axe-core can be injected; the pages themselves run under their own CSP.
  const context = await browser.newContext({ viewport: WIDTHS[0][1], bypassCSP: true });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(String(error)));

  // Not signed in: the refusal page (outside Teams its SSO attempt must fail quietly).
  report.pages["geen-toegang"] = await check(page, `${base}/overzicht/`, "geen-toegang");

  await page.goto(signIn);
  await page.getByRole("button", { name: "Inloggen" }).click();
  await page.waitForURL(`${base}/overzicht/vragen`);
  report.steps.push("signed in");

  for (const [suffix, viewport] of WIDTHS) {
    await page.setViewportSize(viewport);
    for (const [name, where] of PAGES) {
      report.pages[name + suffix] = await check(page, base + where, name + suffix);
    }
  }
  await page.setViewportSize(WIDTHS[0][1]);

  // Filter: only the questions waiting for Dia, searched by a word of the question.
  await page.goto(`${base}/overzicht/vragen`);
  await page.getByLabel("bij Dia").check();
  await page.getByLabel("Zoeken in vraag, thema, vrager of bibliotheek").fill("stichting");
  await page.getByRole("button", { name: "Toon" }).click();
  await page.getByText("1 vragen gevonden").waitFor();
  report.steps.push("filtered");

  // Open the question and send it to the suggested colleague.
  await page.getByRole("link", { name: /stichting/ }).click();
  await page.getByRole("button", { name: /^Doorsturen naar / }).first().click();
  await page.getByText("✔ Doorgestuurd").waitFor();
  report.steps.push("approved");
  report.errors = errors;
} catch (error) {
  report.failure = String(error);
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(report) + "\n");
process.exit(report.failure ? 1 : 0);
