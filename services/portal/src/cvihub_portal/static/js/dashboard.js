import { get } from "./api.js";
import { h, svg, put } from "./dom.js";
import { fmtNum, t } from "./i18n.js";

// Horizontal bars as inline SVG; a suppressed cell (null) is drawn hatched and labelled "<11".
function bars(title, rows, small) {
  if (!rows.length) return h("section", {}, h("h3", {}, title), h("p", {}, t("no_data")));
  const max = Math.max(small, ...rows.map(([, v]) => v ?? 0));
  const height = rows.length * 28;
  const items = rows.map(([label, value], i) => {
    // A hidden count is drawn as a short grey stub, never as a length that says how many.
    const w = value === null ? 12 : Math.max(2, (value / max) * 180), y = i * 28;
    const text = value === null ? t("suppressed", { n: small }) : fmtNum(value);
    return svg("g", {}, svg("text", { x: 0, y: y + 18, class: "bar-label" }, label),
      svg("rect", { x: 130, y: y + 4, width: w, height: 18, class: value === null ? "bar suppressed" : "bar" }),
      svg("text", { x: 136 + w, y: y + 18, class: "bar-value" }, text));
  });
  return h("section", {}, h("h3", {}, title),
    svg("svg", { viewBox: `0 0 360 ${height}`, width: "100%", role: "img", "aria-label": `${title}: ${rows.map(([l, v]) => `${l} ${v ?? t("suppressed", { n: small })}`).join(", ")}` }, items));
}

// Every figure of the dashboard as CSV rows: a hidden count is written as "<11", never a number.
function csv(d) {
  const hidden = `<${d.small_cell}`;
  const cell = (n) => (n === null ? hidden : String(n));
  const rows = [["measure", "group", "value"]];
  for (const [s, n] of Object.entries(d.referrals_by_status)) rows.push(["referrals_by_status", s, cell(n)]);
  for (const [b, n] of Object.entries(d.time_to_acceptance.distribution)) rows.push(["time_to_acceptance", b, cell(n)]);
  rows.push(["time_to_acceptance_median_hours", "", d.time_to_acceptance.median_hours ?? hidden]);
  for (const c of d.alerts_per_zone_week) rows.push(["alerts_per_zone_week", `${c.zone} ${c.week}`, cell(c.count)]);
  return rows.map((r) => r.map((v) => `"${String(v).replace(/"/g, '""')}"`).join(",")).join("\r\n");
}

function download(d) {
  const link = h("a", { href: URL.createObjectURL(new Blob([csv(d)], { type: "text/csv" })), download: "cvihub-dashboard.csv" });
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

export async function dashboardScreen(main, me, notice) {
  let d;
  try {
    const answer = await get("/api/dashboard");
    d = answer.body;
    notice(answer.savedAt);
  } catch (error) {
    notice(null, error);
    return;
  }
  const small = d.small_cell;
  const statuses = Object.entries(d.referrals_by_status).map(([s, n]) => [t(`s.${s}`), n]);
  const times = d.time_to_acceptance;
  const zoneWeeks = d.alerts_per_zone_week.map((c) => [`${c.zone} ${c.week.slice(5)}`, c.count]);
  put(main, h("h2", { tabindex: "-1" }, t("dashboard_title")), h("p", {}, t("dash_note", { n: small - 1 })),
    h("p", {}, t("total", { n: d.referrals_total === null ? t("suppressed", { n: small }) : fmtNum(d.referrals_total) })),
    bars(t("by_status"), statuses, small),
    bars(t("time_accept"), Object.entries(times.distribution), small),
    times.median_hours !== null ? h("p", {}, t("median", { h: fmtNum(times.median_hours) })) : null,
    bars(t("alerts_zone_week"), zoneWeeks, small),
    h("div", { class: "actions no-print" },
      h("button", { type: "button", class: "btn", onclick: () => download(d) }, t("export_csv")),
      h("button", { type: "button", class: "btn", onclick: () => window.print() }, t("print_report"))));
}
