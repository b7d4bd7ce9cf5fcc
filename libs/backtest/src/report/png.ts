/**
 * The report's charts as PNG, through Debian's headless Chromium driven by playwright-core (no browser download:
 * the machine's /usr/bin/chromium, or CHROMIUM_PATH). One screenshot of the whole page and one per chart.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export class ChromiumMissingError extends Error {
  override readonly name = 'ChromiumMissingError';
}

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

export function chromiumPath(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const path = env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(path))
    throw new ChromiumMissingError(`no Chromium at ${path}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  return path;
}

/** Renders `htmlFile` and writes report.png, price.png and equity.png into `dir`; returns the paths. */
export async function writePngs(htmlFile: string, dir: string): Promise<string[]> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_FLAGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(pathToFileURL(resolve(htmlFile)).href);
    // Page-side code as text: this package compiles without the DOM typings.
    await page.waitForFunction('window.__reportReady === true');
    // Two frames: the charts draw on the next animation frame after their data is set.
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
    const out = [join(dir, 'report.png'), join(dir, 'price.png'), join(dir, 'equity.png')];
    await page.screenshot({ path: out[0] as string, fullPage: true });
    await page.locator('#price').screenshot({ path: out[1] as string });
    await page.locator('#equity').screenshot({ path: out[2] as string });
    return out;
  } finally {
    await browser.close();
  }
}
