"""What a page must never do, as scripts a test runs in the page (Chromium, via Playwright).

Shared by the browser tests: text that makes a reader scroll sideways, chart text that runs
into other chart text, controls smaller than WCAG 2.2's 24 x 24 CSS px, a focused control
hidden behind something else, text clipped when a reader widens its spacing.
"""

from __future__ import annotations

#: Anything whose text a 400 px-wide reader would have to scroll sideways to read.
SIDEWAYS_TEXT = """() => {
  const problems = [];
  const root = document.scrollingElement;
  if (root.scrollWidth > root.clientWidth + 1)
    problems.push(`the page scrolls sideways (${root.scrollWidth} px in ${root.clientWidth} px)`);
  const width = document.documentElement.clientWidth;
  for (const e of document.querySelectorAll('body *')) {
    if (e.closest('.js-plotly-plot, script, style, noscript')) continue;
    const style = getComputedStyle(e);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const text = Array.from(e.childNodes).filter(
      n => n.nodeType === 3 && n.textContent.trim()).map(n => n.textContent.trim()).join(' ');
    const scrolls = ['auto', 'scroll'].includes(style.overflowX)
      && e.scrollWidth > e.clientWidth + 1 && (e.innerText || '').trim();
    if (scrolls) problems.push(`${e.className || e.tagName} scrolls sideways: `
      + `${e.scrollWidth} px of text in ${e.clientWidth} px`);
    if (!text) continue;
    const box = e.getBoundingClientRect();
    if (box.width && (box.right > width + 1 || box.left < -1))
      problems.push(`text runs off the screen (${Math.round(box.left)}..`
        + `${Math.round(box.right)} px): ${text.slice(0, 60)}`);
  }
  return problems.slice(0, 10);
}"""


#: Chart text (plotly's titles, axis titles and tick labels; the HTML legend and headings) whose
#: boxes overlap another's: [[a, b], ...] described by their text.
OVERLAPPING_CHART_TEXT = """() => {
  const boxes = [];
  const add = (e, what) => {
    const r = e.getBoundingClientRect();
    const text = (e.textContent || '').trim();
    if (r.width > 0.5 && r.height > 0.5 && text)
      boxes.push({r, text: what + ': ' + text.slice(0, 40)});
  };
  document.querySelectorAll('.hm-chart .js-plotly-plot svg text').forEach(e => add(e, 'svg'));
  document.querySelectorAll('.hm-chart .hm-legend li, .hm-chart .hm-chart-head h4').forEach(
    e => add(e, 'html'));
  const problems = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i].r, b = boxes[j].r;
    const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
    const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    if (w > 1 && h > 1) problems.push([boxes[i].text, boxes[j].text]);
  }
  return {count: boxes.length, problems: problems.slice(0, 10)};
}"""

#: Controls of the player smaller than 24 x 24 CSS px (WCAG 2.2 2.5.8; links inside a
#: sentence are exempt, as the criterion allows).
SMALL_TARGETS = """() => {
  const small = [];
  const controls = document.querySelectorAll(
    '.hm-player button, .hm-player input, .hm-player select, .hm-player textarea, '
    + '.hm-player summary, .hm-player .hm-download a');
  for (const e of controls) {
    const r = e.getBoundingClientRect();
    if (!r.width || getComputedStyle(e).visibility === 'hidden') continue;
    if (r.width < 24 || r.height < 24)
      small.push(`${e.tagName} ${Math.round(r.width)}x${Math.round(r.height)}: `
        + (e.innerText || e.getAttribute('aria-label') || e.value || '').trim().slice(0, 40));
  }
  return small;
}"""

#: The focused control, if something else covers its middle or it lies off the screen.
FOCUS_HIDDEN = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return '';
  const r = e.getBoundingClientRect();
  if (r.bottom < 0 || r.top > innerHeight || r.right < 0 || r.left > innerWidth)
    return 'off screen: ' + (e.innerText || e.tagName).slice(0, 40);
  const x = Math.min(Math.max(r.left + r.width / 2, 0), innerWidth - 1);
  const y = Math.min(Math.max(r.top + Math.min(r.height / 2, 12), 0), innerHeight - 1);
  const top = document.elementFromPoint(x, y);
  return top && (top === e || e.contains(top) || top.contains(e)) ? ''
    : 'covered by ' + (top ? top.tagName + '.' + top.className : 'nothing');
}"""

#: WCAG 2.2 1.4.12: the spacing a reader may set; no text may then be cut off.
TEXT_SPACING_CSS = (
    "* { line-height: 1.5 !important; letter-spacing: 0.12em !important; "
    "word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }"
)
CLIPPED_TEXT = """() => {
  const clipped = [];
  for (const e of document.querySelectorAll('.hm-player *')) {
    const s = getComputedStyle(e);
    if (s.display === 'none') continue;
    const cut = ['hidden', 'clip'];
    const hides = cut.includes(s.overflowY) || cut.includes(s.overflowX);
    if (!hides || !(e.innerText || '').trim()) continue;
    if (e.closest('.js-plotly-plot')) continue;
    if (e.scrollHeight > e.clientHeight + 2 || e.scrollWidth > e.clientWidth + 2)
      clipped.push(`${e.tagName}.${e.className}: ${(e.innerText || '').trim().slice(0, 40)}`);
  }
  return clipped.slice(0, 10);
}"""
