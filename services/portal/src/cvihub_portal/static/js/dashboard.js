import { get } from "./api.js";
import { chart, empty, hbars, stacked, stackedRows, table } from "./charts.js";
import { h, put } from "./dom.js";
import { fmtDate, fmtNum, getLang, t } from "./i18n.js";

const OUTCOMES = ["completed", "rejected", "failed", "canceled", "entered-in-error"];

// Every figure of the dashboard as CSV rows: a hidden count is written as "<11", never a number.
function csv(d) {
  const hidden = `<${d.small_cell}`;
  const cell = (n) => (n === null || n === undefined ? hidden : String(n));
  const rows = [["measure", "group", "value"]];
  for (const [s, n] of Object.entries(d.referrals_by_status)) rows.push(["referrals_by_status", s, cell(n)]);
  for (const w of d.status_over_time) for (const [s, n] of Object.entries(w.counts)) rows.push(["referrals_by_week_and_status", `${w.week} ${s}`, cell(n)]);
  for (const m of d.outcomes_by_month) for (const [s, n] of Object.entries(m.counts)) rows.push(["outcomes_by_month", `${m.month} ${s}`, cell(n)]);
  for (const [b, n] of Object.entries(d.time_to_acceptance.distribution)) rows.push(["time_to_acceptance", b, cell(n)]);
  rows.push(["time_to_acceptance_median_hours", "", d.time_to_acceptance.median_hours ?? hidden]);
  const first = d.time_to_first_contact;
  if (first) {
    for (const [b, n] of Object.entries(first.distribution)) rows.push(["time_to_first_contact", b, cell(n)]);
    rows.push(["time_to_first_contact_median_hours", first.scope, first.median_hours ?? hidden]);
  }
  for (const c of d.alerts_per_zone_week) rows.push(["alerts_per_zone_week", `${c.zone} ${c.week}`, cell(c.count)]);
  for (const c of d.delivery_health || []) for (const k of ["delivered", "pending", "failed"]) rows.push([`deliveries_${k}`, c.channel, String(c[k])]);
  return rows.map((r) => r.map((v) => `"${String(v).replace(/"/g, '""')}"`).join(",")).join("\r\n");
}

function download(d) {
  const link = h("a", { href: URL.createObjectURL(new Blob([csv(d)], { type: "text/csv" })), download: "cvihub-dashboard.csv" });
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

// Print every table with its chart: a closed <details> would print as its summary only.
function printReport(main) {
  const closed = [...main.querySelectorAll("details.as-table:not([open])")];
  closed.forEach((d) => { d.open = true; });
  window.addEventListener("afterprint", () => closed.forEach((d) => { d.open = false; }), { once: true });
  window.print();
}

const weekLabel = (w) => w.slice(6); // "2026-W49" -> "49"
const monthLabel = (m) => new Intl.DateTimeFormat(getLang(), { month: "short" }).format(new Date(`${m}-15T12:00:00`));

function bars(id, title, rows, small, note) {
  if (!rows.length) return empty(title);
  return chart(id, title, hbars(rows, small), table(title, ["", t("count")], rows.map(([l, v]) => [l, v === null ? t("suppressed", { n: small }) : fmtNum(v)])), note);
}

function over(id, title, columns, series, label, small, note) {
  if (!columns.some((c) => series.some((s) => c.counts[s] !== 0))) return empty(title);
  return chart(id, title, stacked(columns, series, small, label), table(title, ["", ...series.map(label)], stackedRows(columns, series, small)), note);
}

function durations(id, title, times, small) {
  if (!times) return h("section", { class: "chart" }, h("h3", {}, title), h("p", {}, t("not_available")));
  const scope = times.scope ? t(`scope.${times.scope}`) : null;
  const median = times.median_hours !== null && times.median_hours !== undefined ? t("median", { h: fmtNum(times.median_hours) }) : t("median_hidden", { n: small });
  return bars(id, title, Object.entries(times.distribution), small, [scope, median].filter(Boolean).join(" · "));
}

function deliveries(rows) {
  const title = t("delivery_health");
  if (!rows) return h("section", { class: "chart" }, h("h3", {}, title), h("p", {}, t("not_available")));
  if (!rows.length) return empty(title);
  const kinds = ["delivered", "pending", "failed"];
  const columns = rows.map((r) => ({ label: t(`ch.${r.channel}`), counts: Object.fromEntries(kinds.map((k) => [k, r[k]])) }));
  const seconds = (r) => (r.median_seconds === null ? "–" : t("seconds", { n: fmtNum(r.median_seconds) }));
  return chart("chart-delivery", title, stacked(columns, kinds, 0, (k) => t(`dl.${k}`)),
    table(title, ["", ...kinds.map((k) => t(`dl.${k}`)), t("median_time")], rows.map((r, i) => [columns[i].label, ...kinds.map((k) => fmtNum(r[k])), seconds(r)])),
    t("delivery_note"));
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
  const status = (s) => t(`s.${s}`);
  const statusSeries = Object.keys(d.referrals_by_status);
  const weeks = (d.status_over_time || []).map((w) => ({ label: weekLabel(w.week), counts: w.counts }));
  const months = (d.outcomes_by_month || []).map((m) => ({ label: monthLabel(m.month), counts: m.counts }));
  const zoneWeeks = d.alerts_per_zone_week.map((c) => [`${c.zone} ${c.week.slice(5)}`, c.count]);
  put(main, h("h2", { tabindex: "-1" }, t("dashboard_title")),
    h("p", { class: "print-only" }, t("report_of", { when: fmtDate(d.generated_at), org: me.partner_name })),
    h("p", {}, t("dash_note", { n: small - 1 })),
    h("p", {}, d.referrals_total === null ? t("total_hidden") : t("total", { n: fmtNum(d.referrals_total) })),
    bars("chart-status", t("by_status"), statusSeries.map((s) => [status(s), d.referrals_by_status[s]]), small),
    over("chart-weeks", t("status_over_time"), weeks, statusSeries, status, small, t("weeks_note")),
    over("chart-outcomes", t("outcomes"), months, OUTCOMES, status, small, t("outcomes_note")),
    durations("chart-accept", t("time_accept"), d.time_to_acceptance, small),
    durations("chart-contact", t("time_contact"), d.time_to_first_contact, small),
    bars("chart-alerts", t("alerts_zone_week"), zoneWeeks, small),
    deliveries(d.delivery_health),
    h("div", { class: "actions no-print" },
      h("button", { type: "button", class: "btn", onclick: () => download(d) }, t("export_csv")),
      h("button", { type: "button", class: "btn", onclick: () => printReport(main) }, t("print_report"))));
}
