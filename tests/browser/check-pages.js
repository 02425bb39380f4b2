// Loads every page in Debian's Chromium (playwright-core) from file://, in light and dark,
// and fails when a page makes any request besides its own document (seen by the browser's
// request events) or when axe-core finds a WCAG 2.1 A/AA or best-practice violation.
// usage: node check-pages.js [--canary bad.html] page.html...
//   --canary: a page that makes a request; the check fails unless it is caught (proves the
//   request watch works).
const path = require('path');
const fs = require('fs');
const { chromium } = require('playwright-core');

const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const args = process.argv.slice(2);
let canary = null;
if (args[0] === '--canary') { args.shift(); canary = args.shift(); }

// One page per colour scheme, reused: axe is added as an init script (inline, no request)
// so it is ready in every document without being parsed again for each page.
async function visit(page, file) {
  const url = 'file://' + path.resolve(file);
  const requests = [];
  const watch = r => { if (r.url() !== url) requests.push(r.url()); };
  page.on('request', watch);
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForTimeout(20); // late requests (lazy images, CSS backgrounds)
  page.off('request', watch);
  const result = await page.evaluate(() => axe.run(document, {
    runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'],
  }));
  return { requests, violations: result.violations };
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  let problems = 0;
  let checked = 0;
  // The two colour schemes run side by side (one tab each): with 20 languages there are
  // over 3,000 page loads, and a CI machine has at least two cores.
  await Promise.all(['light', 'dark'].map(async colorScheme => {
    const context = await browser.newContext({ colorScheme });
    await context.addInitScript({ content: axeSource });
    const page = await context.newPage();
    if (canary) {
      const r = await visit(page, canary);
      if (r.requests.length === 0) {
        console.log(`${canary}: the canary's request was not seen: the network watch is broken`);
        problems++;
      }
    }
    for (const file of args) {
      const r = await visit(page, file);
      checked++;
      for (const u of r.requests) {
        problems++;
        console.log(`${file} (${colorScheme}): requested ${u}`);
      }
      for (const v of r.violations) {
        problems++;
        console.log(`${file} (${colorScheme}): ${v.impact} ${v.id}: ${v.help} ${v.nodes.map(n => n.target.join(' ')).join(', ')}`);
      }
    }
    await context.close();
  }));
  await browser.close();
  console.log(`${checked} page loads (light and dark): ${problems} problem(s)`);
  process.exit(problems ? 1 : 0);
})().catch(e => { console.error(e); process.exit(2); });
