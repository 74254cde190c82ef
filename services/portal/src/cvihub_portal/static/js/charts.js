// Small inline-SVG charts drawn here (no chart library), each with a table alternative.
// A suppressed count (null) is never drawn as a length that says how many: a grey stub, "<11".
import { h, svg } from "./dom.js";
import { fmtNum, t } from "./i18n.js";

const shown = (value, small) => (value === null ? t("suppressed", { n: small }) : fmtNum(value));

// A table of the same figures: the chart's alternative for screen readers and for print.
export function table(caption, head, rows) {
  return h("details", { class: "as-table" }, h("summary", {}, t("show_table")),
    h("table", {}, h("caption", {}, caption),
      h("thead", {}, h("tr", {}, head.map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, rows.map(([first, ...cells]) => h("tr", {}, h("th", { scope: "row" }, first), cells.map((c) => h("td", {}, c)))))));
}

// One chart: its heading, the SVG (an image named by the heading) and the table alternative.
export function chart(id, title, drawing, alternative, note) {
  const image = drawing.tagName.toLowerCase() === "svg" ? drawing : drawing.querySelector("svg");
  image.setAttribute("aria-labelledby", `${id}-title`);
  return h("section", { class: "chart", id },
    h("h3", { id: `${id}-title` }, title), note ? h("p", { class: "meta" }, note) : null, drawing, alternative);
}

export function empty(title) {
  return h("section", { class: "chart" }, h("h3", {}, title), h("p", {}, t("no_data")));
}

// Horizontal bars: rows of [label, value].
export function hbars(rows, small) {
  const max = Math.max(small, ...rows.map(([, v]) => v ?? 0));
  const items = rows.map(([label, value], i) => {
    const w = value === null ? 12 : Math.max(value ? 2 : 0, (value / max) * 170), y = i * 28;
    return svg("g", {}, svg("text", { x: 0, y: y + 18, class: "bar-label" }, label),
      svg("rect", { x: 130, y: y + 4, width: w, height: 18, class: value === null ? "bar suppressed" : "bar" }),
      svg("text", { x: 136 + w, y: y + 18, class: "bar-value" }, shown(value, small)));
  });
  return svg("svg", { viewBox: `0 0 360 ${rows.length * 28}`, width: "100%", role: "img" }, items);
}

// Vertical stacked bars: columns of { label, counts: { series: value } }, one colour a series.
export function stacked(columns, series, small, seriesLabel) {
  const totals = columns.map((c) => series.reduce((sum, s) => sum + (c.counts[s] ?? 0), 0));
  const max = Math.max(small, ...totals);
  const width = 360, top = 8, plot = 150, left = 28, step = (width - left) / Math.max(1, columns.length);
  const bars = columns.map((c, i) => {
    let y = top + plot;
    const x = left + i * step + 2, w = Math.max(4, step - 4);
    const parts = series.map((s, k) => {
      const v = c.counts[s];
      if (v === null) { // hidden: a thin grey stub at the top of the column, not a height
        y -= 3;
        return svg("rect", { x, y, width: w, height: 3, class: "bar suppressed" }, svg("title", {}, `${c.label} · ${seriesLabel(s)}: ${shown(v, small)}`));
      }
      if (!v) return null;
      const hgt = (v / max) * plot;
      y -= hgt;
      return svg("rect", { x, y, width: w, height: hgt, class: `bar c${k}` }, svg("title", {}, `${c.label} · ${seriesLabel(s)}: ${fmtNum(v)}`));
    });
    const label = i % 2 === 0 || columns.length <= 6 ? svg("text", { x: x + w / 2, y: top + plot + 14, class: "axis", "text-anchor": "middle" }, c.label) : null;
    return svg("g", {}, parts, label);
  });
  const axis = [svg("line", { x1: left, y1: top + plot, x2: width, y2: top + plot, class: "axis-line" }),
    svg("text", { x: 0, y: top + 10, class: "axis" }, fmtNum(max)), svg("text", { x: 0, y: top + plot, class: "axis" }, "0")];
  const legend = h("ul", { class: "legend" }, series.map((s, k) => h("li", {}, h("span", { class: `key c${k}`, "aria-hidden": "true" }), seriesLabel(s))));
  return h("div", {}, svg("svg", { viewBox: `0 0 ${width} ${top + plot + 20}`, width: "100%", role: "img" }, axis, bars), legend);
}

// The table rows of a stacked chart: one row a column, one cell a series.
export function stackedRows(columns, series, small) {
  return columns.map((c) => [c.label, ...series.map((s) => shown(c.counts[s], small))]);
}
