// usage: node offline-style.js PAGE.html EXPECTATIONS.json
// Opens PAGE from a file:// URL in headless Chromium with the network off (offline context,
// and every request other than the page itself aborted and reported), then checks computed
// styles against EXPECTATIONS: [{"selector": "body", "property": "background-color",
// "equals": "rgb(1, 2, 3)"} | {"startsWith": ...}, {"font": "BrandFont"}, {"image": "#logo"},
// {"script": "document.documentElement.dataset.js", "equals": "ran"},
// {"allowRequest": "https://cdn.example.com/"}].
// Exits 1 on any failed expectation or any attempted request not allowed (allowed ones,
// external URLs the page keeps on purpose, are aborted too: the network is off).
const path = require('path');
const fs = require('fs');
const { chromium } = require('playwright-core');

(async () => {
  const [page_file, expect_file] = process.argv.slice(2);
  const expectations = JSON.parse(fs.readFileSync(expect_file, 'utf8'));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ offline: true });
  const url = 'file://' + path.resolve(page_file);
  const requests = [];
  await context.route('**/*', (route) => {
    const u = route.request().url();
    if (u === url) return route.continue();
    requests.push(u);
    return route.abort();
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url, { waitUntil: 'load' });
  let failed = 0;
  const report = (ok, what) => { if (!ok) failed++; console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`); };
  const allowed = expectations.filter((e) => e.allowRequest).map((e) => e.allowRequest);
  for (const e of expectations.filter((e) => !e.allowRequest)) {
    if (e.font) {
      const faces = await page.evaluate(async (family) => {
        try { await document.fonts.load(`16px "${family}"`); } catch (_) {}
        return [...document.fonts].filter((f) => f.family.replace(/"/g, '') === family).map((f) => f.status);
      }, e.font);
      report(faces.length > 0 && faces.every((s) => s === 'loaded'), `font ${e.font}: ${JSON.stringify(faces)}`);
    } else if (e.image) {
      const size = await page.$eval(e.image, (img) => [img.complete, img.naturalWidth, img.naturalHeight]);
      report(size[0] && size[1] > 0, `image ${e.image} decoded: ${JSON.stringify(size)}`);
    } else if (e.script) {
      const value = await page.evaluate(e.script);
      report(value === e.equals, `${e.script} = ${JSON.stringify(value)}`);
    } else {
      const value = await page.$eval(e.selector, (el, p) => getComputedStyle(el).getPropertyValue(p), e.property);
      const ok = e.equals !== undefined ? value === e.equals : value.startsWith(e.startsWith);
      report(ok, `${e.selector} ${e.property} = ${value.length > 80 ? value.slice(0, 80) + '...' : value}`);
    }
  }
  const stray = requests.filter((u) => !allowed.some((a) => u.startsWith(a)));
  report(stray.length === 0, `no request besides the page${allowed.length ? ' and ' + allowed : ''}: ${JSON.stringify(stray)}`);
  report(errors.length === 0, `no script error: ${JSON.stringify(errors)}`);
  await page.screenshot({ path: page_file.replace(/\.html$/, '.png') });
  await browser.close();
  process.exit(failed ? 1 : 0);
})().catch((e) => { console.error(e); process.exit(2); });
