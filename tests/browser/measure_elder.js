([chrome, minFont, minTarget]) => {
  /* The elder-mode measurements of tests/browser/accessibility.py (measure_elder), run in the page. */
  const skip = (el) => el.closest(chrome);
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none" && s.opacity !== "0";
  };
  const rgba = (text) => {
    const m = text.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const over = (top, under) => ({
    r: top.r * top.a + under.r * (1 - top.a),
    g: top.g * top.a + under.g * (1 - top.a),
    b: top.b * top.a + under.b * (1 - top.a),
    a: 1,
  });
  const luminance = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  /** The colours behind an element: its ancestors' backgrounds blended (every stop of a
   * gradient, whose worst contrast counts); null over a picture. */
  const backgrounds = (el) => {
    const layers = [];
    let stops = null;
    for (let node = el; node; node = node.parentElement) {
      const s = getComputedStyle(node);
      if (s.backgroundImage !== "none") {
        if (!s.backgroundImage.includes("gradient")) return null;
        stops = (s.backgroundImage.match(/rgba?\([^)]+\)/g) || []).map(rgba);
        break;
      }
      const c = rgba(s.backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    const bases = stops && stops.length ? stops.map((c) => ({ ...c, a: 1 })) : [{ r: 255, g: 255, b: 255, a: 1 }];
    const outermostFirst = [...layers].reverse();
    return bases.map((base) => outermostFirst.reduce((colour, layer) => over(layer, colour), base));
  };
  const out = { fonts: [], lines: [], contrast: [], targets: [], clipped: [], scroll: null };
  const label = (el) => (el.dataset.testid || el.className || el.tagName) + " «" + (el.textContent || el.getAttribute("aria-label") || "").trim().slice(0, 20) + "»";

  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const holders = new Set();
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (node.textContent.trim() && el && !skip(el) && shown(el) && !el.closest("[aria-hidden=true], svg, noscript, script, style")) holders.add(el);
  }
  for (const el of holders) {
    const s = getComputedStyle(el);
    const size = parseFloat(s.fontSize);
    if (size < minFont - 0.01) out.fonts.push(`${label(el)} ${size}px`);
    if (s.lineHeight !== "normal" && parseFloat(s.lineHeight) / size < 1.3 - 0.001) out.lines.push(`${label(el)} ${s.lineHeight}/${size}px`);
    const fg = rgba(s.color);
    for (const bg of (fg && backgrounds(el)) || []) {
      const text = over({ ...fg, a: fg.a * (parseFloat(s.opacity) || 1) }, bg);
      const [hi, lo] = [luminance(text), luminance(bg)].sort((a, b) => b - a);
      const ratio = (hi + 0.05) / (lo + 0.05);
      const bold = Number(s.fontWeight) >= 700;
      const large = size >= 24 || (bold && size >= 18.66);
      const rgb = `rgb(${Math.round(bg.r)},${Math.round(bg.g)},${Math.round(bg.b)})`;
      if (ratio < (large ? 3 : 4.5)) {
        out.contrast.push(`${label(el)} ${ratio.toFixed(2)}:1 (${s.color} on ${rgb})`);
        break;
      }
    }
  }
  const clickable = document.querySelectorAll("button, a[href], input, select, textarea, summary, [role=button], [role=switch], [role=link], [tabindex]:not([tabindex='-1'])");
  for (let el of clickable) {
    if (skip(el) || !shown(el)) continue;
    // a control inside a label (a checkbox, a hidden file input) is tapped through the label
    if (el.matches("input") && el.closest("label")) el = el.closest("label");
    const r = el.getBoundingClientRect();
    if (r.width < minTarget - 0.5 || r.height < minTarget - 0.5) out.targets.push(`${label(el)} ${Math.round(r.width)}×${Math.round(r.height)}`);
  }
  // text cut off: a text's box reaching outside an ancestor that hides its overflow
  for (const el of holders) {
    const r = el.getBoundingClientRect();
    for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
      const s = getComputedStyle(box);
      if (s.overflowX === "visible" && s.overflowY === "visible") continue;
      const b = box.getBoundingClientRect();
      const scrolls = (v) => v === "auto" || v === "scroll";
      const outX = r.left < b.left - 1 || r.right > b.right + 1;
      const outY = r.top < b.top - 1 || r.bottom > b.bottom + 1;
      if ((outX && !scrolls(s.overflowX)) || (outY && !scrolls(s.overflowY))) out.clipped.push(`${label(el)} cut off by ${label(box)}`);
      break;
    }
    if (getComputedStyle(el).textOverflow === "ellipsis" && el.scrollWidth > el.clientWidth + 1) out.clipped.push(`${label(el)} cut off with …`);
  }
  // nothing scrolls sideways
  for (const el of document.body.querySelectorAll("*")) {
    if (skip(el) || !shown(el)) continue;
    const s = getComputedStyle(el);
    if (s.overflowX !== "visible" && s.overflowX !== "hidden" && el.scrollWidth > el.clientWidth + 1) out.clipped.push(`${label(el)} scrolls sideways (${el.scrollWidth} > ${el.clientWidth})`);
  }
  const root = document.scrollingElement || document.documentElement;
  out.scroll = root.scrollWidth > root.clientWidth + 1 ? `${root.scrollWidth} > ${root.clientWidth}` : null;
  return out;
}
