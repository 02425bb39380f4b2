// Right-to-left pages against their English twins in Debian's Chromium (playwright-core), at
// a desktop and a phone width: the RTL page has <html dir="rtl">, and its layout is the
// English one mirrored, measured on bounding boxes inside each part's container (the card,
// the button row, the header, the footer):
//   - what is centred in English (the card, the footer line) is centred here too;
//   - what starts at the left edge in English (icon, label, title, text; the first button)
//     starts at the right edge, at the same distance;
//   - buttons side by side come in the opposite order;
//   - nothing scrolls sideways, in either page.
// Text is measured on its first line (a Range's client rects), so a longer translation
// that wraps differently does not matter.
// usage: node check-rtl.js EN_DIR RTL_DIR... (every RTL_DIR/*.html has EN_DIR/<same name>)
const path = require('path');
const fs = require('fs');
const { chromium } = require('playwright-core');

const [enDir, ...rtlDirs] = process.argv.slice(2);
const WIDTHS = [{ name: 'desktop', width: 1280, height: 800 }, { name: 'phone', width: 360, height: 740 }];
const TOLERANCE = 1.5; // px

// Runs in the page: for each part, its gaps to its container's content box.
function measure() {
  const contentBox = el => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return { left: r.left + parseFloat(s.paddingLeft) + parseFloat(s.borderLeftWidth),
             right: r.right - parseFloat(s.paddingRight) - parseFloat(s.borderRightWidth) };
  };
  const firstLine = el => {
    const range = document.createRange();
    range.selectNodeContents(el);
    const rects = [...range.getClientRects()].filter(r => r.width > 0);
    if (!rects.length) return null;
    const top = Math.min(...rects.map(r => r.top));
    const line = rects.filter(r => r.top < top + 4);
    return { left: Math.min(...line.map(r => r.left)), right: Math.max(...line.map(r => r.right)) };
  };
  const parts = [];
  const add = (name, el, container, text) => {
    if (!el || !container) return;
    const box = text ? firstLine(el) : el.getBoundingClientRect();
    if (!box) return;
    const c = contentBox(container);
    parts.push({ name, l: box.left - c.left, r: c.right - box.right });
  };
  const card = document.querySelector('.card');
  add('card', card, document.body, false);
  add('icon', document.querySelector('.art'), card, false);
  add('label', document.querySelector('.code'), card, true);
  add('title', document.querySelector('h1'), card, true);
  document.querySelectorAll('.card > p:not(.code)').forEach((p, i) => add(`text ${i + 1}`, p, card, true));
  const nav = document.querySelector('nav');
  if (nav) {
    const links = nav.querySelectorAll('a');
    add('first button', links[0], nav, false);
  }
  // The buttons' order on their row: -1 when the last is left of the first, 1 when right.
  const links = document.querySelectorAll('nav a');
  let order = 0;
  if (links.length > 1) {
    const a = links[0].getBoundingClientRect();
    const b = links[links.length - 1].getBoundingClientRect();
    if (Math.abs(a.top - b.top) < 1) order = Math.sign(b.left - a.left);
  }
  const header = document.querySelector('header');
  if (header) [...header.children].forEach((el, i) => add(`header item ${i + 1}`, el, header, false));
  add('footer', document.querySelector('footer p'), document.querySelector('footer'), true);
  const root = document.documentElement;
  return {
    dir: root.getAttribute('dir'),
    direction: getComputedStyle(document.body).direction,
    sideways: root.scrollWidth - root.clientWidth,
    order,
    parts,
  };
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync'],
  });
  let problems = 0;
  let compared = 0;
  const say = msg => { problems++; console.log(msg); };
  for (const size of WIDTHS) {
    const context = await browser.newContext({ viewport: { width: size.width, height: size.height } });
    const page = await context.newPage();
    const load = async file => { await page.goto('file://' + path.resolve(file)); return page.evaluate(measure); };
    for (const dir of rtlDirs) {
      for (const name of fs.readdirSync(dir).filter(f => f.endsWith('.html')).sort()) {
        const file = path.join(dir, name);
        const where = `${file} (${size.name})`;
        const en = await load(path.join(enDir, name));
        const rtl = await load(file);
        compared++;
        if (rtl.dir !== 'rtl' || rtl.direction !== 'rtl') say(`${where}: dir="${rtl.dir}", direction ${rtl.direction}, not rtl`);
        if (rtl.sideways > 0) say(`${where}: scrolls sideways by ${rtl.sideways}px`);
        if (en.sideways > 0) say(`${path.join(enDir, name)} (${size.name}): scrolls sideways by ${en.sideways}px`);
        const names = p => p.map(x => x.name).join(', ');
        if (names(en.parts) !== names(rtl.parts)) { say(`${where}: parts differ: en [${names(en.parts)}], rtl [${names(rtl.parts)}]`); continue; }
        if (rtl.order !== -en.order) say(`${where}: the buttons are in order ${rtl.order}, English ${en.order}: not mirrored`);
        en.parts.forEach((e, i) => {
          const r = rtl.parts[i];
          const fmt = x => `left gap ${x.l.toFixed(1)}, right gap ${x.r.toFixed(1)}`;
          if (Math.abs(e.l - e.r) < TOLERANCE && e.l >= TOLERANCE) {
            if (Math.abs(r.l - r.r) >= TOLERANCE) say(`${where}: ${e.name} is centred in English (${fmt(e)}) but not here (${fmt(r)})`);
          } else if (e.l <= e.r) {
            if (Math.abs(r.r - e.l) >= TOLERANCE) say(`${where}: ${e.name} starts at the left in English (${fmt(e)}) but does not start at the right here (${fmt(r)})`);
          } else if (Math.abs(r.l - e.r) >= TOLERANCE) {
            say(`${where}: ${e.name} ends at the right in English (${fmt(e)}) but does not end at the left here (${fmt(r)})`);
          }
        });
      }
    }
    await context.close();
  }
  await browser.close();
  console.log(`${compared} right-to-left page loads compared with English (desktop and phone): ${problems} problem(s)`);
  process.exit(problems ? 1 : 0);
})().catch(e => { console.error(e); process.exit(2); });
