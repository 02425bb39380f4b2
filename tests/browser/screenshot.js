// Screenshots of rendered pages in Debian's Chromium (playwright-core), light and dark.
// usage: node screenshot.js OUT_DIR WIDTHxHEIGHT:NAME... -- page.html...
// Writes OUT_DIR/<page>-<NAME>-<light|dark>.png for every page, size and scheme.
const path = require('path');
const { chromium } = require('playwright-core');

const args = process.argv.slice(2);
const out = args.shift();
const sep = args.indexOf('--');
const sizes = args.slice(0, sep).map(s => {
  const [dims, name] = s.split(':');
  const [width, height] = dims.split('x').map(Number);
  return { width, height, name };
});
const pages = args.slice(sep + 1);

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  for (const file of pages) {
    for (const size of sizes) {
      for (const colorScheme of ['light', 'dark']) {
        const context = await browser.newContext({
          viewport: { width: size.width, height: size.height },
          deviceScaleFactor: 1, colorScheme, reducedMotion: 'reduce',
        });
        const page = await context.newPage();
        await page.goto('file://' + path.resolve(file));
        const name = `${path.basename(file, '.html')}-${size.name}-${colorScheme}.png`;
        await page.screenshot({ path: path.join(out, name), fullPage: true });
        console.log(name);
        await context.close();
      }
    }
  }
  await browser.close();
})().catch(e => { console.error(e); process.exit(2); });
