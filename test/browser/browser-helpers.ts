import fs from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";

/** Debian's chromium (scripts/services.sh --with-chromium installs it); never a downloaded browser. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Headless Debian chromium, or a clear error saying how to install it. */
export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/services.sh --with-chromium (installs Debian's chromium)`);
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
}

/** Clicks what submits a form (or follows a link) and waits for the page it leads to. */
export async function submit(page: Page, selector: string): Promise<void> {
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
}

/** Submits an action's form, then answers its confirmation page with yes (the result page follows). */
export async function submitAndConfirm(page: Page, selector: string): Promise<void> {
  await submit(page, selector);
  await page.locator("#confirm-form").waitFor();
  await submit(page, "#confirm");
}
