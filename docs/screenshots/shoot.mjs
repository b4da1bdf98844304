// Opens a page in Debian's headless Chromium, waits until `text` is visible, and saves a
// screenshot: node docs/screenshots/shoot.mjs URL OUT.png "text to wait for" [more text...]
import { chromium } from "playwright-core";

const [url, out, ...waitFor] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(url);
  process.stdout.write("opened\n");
  for (const text of waitFor) {
    await page.getByText(text, { exact: false }).last().waitFor({ timeout: 60000 });
  }
  await page.waitForTimeout(500);  // let the last card finish its layout
  await page.screenshot({ path: out });
  process.stdout.write("saved\n");
} finally {
  await browser.close();
}
