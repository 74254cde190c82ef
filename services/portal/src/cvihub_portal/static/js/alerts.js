import { get } from "./api.js";
import { h, svg, put } from "./dom.js";
import { act, pending } from "./queue.js";
import { fmtAgo, fmtDate, t } from "./i18n.js";

// The newest list this page has seen, so moving between screens without signal keeps an alert
// that came on the live feed. Lists are asked for in order (a ticket each) but may answer out
// of order on a slow line: an answer to an older request never replaces a newer one.
let seen = { body: null, at: 0, ticket: 0 };
let tickets = 0;
export function forgetAlerts() {
  seen = { body: null, at: 0, ticket: 0 };
}

const RESPONSES = [["acknowledged", "acknowledge"], ["on_my_way", "on_my_way"], ["handled", "handled"]];

// A plain grid of the organisation's zones, each with its active alerts: no tile server needed.
function zoneGrid(zones, alerts) {
  const names = [...new Set([...zones, ...alerts.map((a) => a.zone).filter(Boolean)])];
  const cols = Math.min(3, Math.max(1, names.length)), size = 100, gap = 6;
  const rows = Math.ceil(names.length / cols);
  const width = cols * size + (cols - 1) * gap, height = rows * 60 + (rows - 1) * gap;
  const cells = names.map((zone, i) => {
    const n = alerts.filter((a) => a.zone === zone && a.status !== "cancelled").length;
    const x = (i % cols) * (size + gap), y = Math.floor(i / cols) * (60 + gap);
    return svg("g", { role: "listitem", "aria-label": t("active_in_zone", { zone, n }) },
      svg("rect", { x, y, width: size, height: 60, rx: 6, class: n ? "zone hot" : "zone" }),
      svg("text", { x: x + 8, y: y + 22, class: "zone-name" }, zone),
      svg("text", { x: x + 8, y: y + 48, class: "zone-count" }, String(n)));
  });
  return h("figure", { class: "map" },
    h("figcaption", {}, t("map_title")),
    svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "list", width: "100%" }, cells));
}

function alertCard(alert, rerender) {
  const cancelled = alert.status === "cancelled";
  const mine = alert.responses.map((r) => h("li", {}, t("response_by", { name: r.display_name, response: t(`resp.${r.response}`) }), " · ", fmtAgo(r.at)));
  const queued = alert.queued || [];
  const buttons = RESPONSES.map(([value, label]) =>
    h("button", {
      type: "button", class: "btn", disabled: cancelled,
      onclick: async () => {
        await act("/api/alerts/responses", { incident_key: alert.incident_key, response: value }, `${t(label)}: ${t(`i.${alert.incident_type}`)} ${alert.zone || ""}`);
        rerender(true);
      },
    }, t(label)));
  return h("li", { class: `card${cancelled ? " cancelled" : ""}`, "data-incident": alert.incident_key },
    h("h3", {}, t(`i.${alert.incident_type}`), alert.zone ? ` · ${alert.zone}` : "", cancelled ? ` · ${t("cancelled")}` : ""),
    h("p", { class: "meta" }, h("time", { datetime: alert.occurred_at }, fmtDate(alert.occurred_at)),
      ` · ${t("severity")}: ${t(`sev.${alert.severity || "unknown"}`)}`,
      alert.revision > 1 ? ` · ${t("revision", { n: alert.revision })}` : ""),
    alert.block_address ? h("p", {}, alert.block_address) : null,
    mine.length ? h("ul", { class: "responses" }, mine) : null,
    queued.length ? h("p", { class: "chip" }, `${t("queued_action")}: ${queued.map((q) => t(`resp.${q}`)).join(", ")}`) : null,
    h("div", { class: "actions" }, buttons));
}

export async function alertsScreen(main, me, notice) {
  let alerts = [];
  const list = h("ul", { class: "cards", "aria-live": "polite" });
  const mapHolder = h("div");
  const render = async (reload) => {
    if (reload) {
      const ticket = ++tickets;
      try {
        const { body, savedAt } = await get("/api/alerts");
        if (!savedAt) {
          if (ticket > seen.ticket) seen = { body, at: Date.now(), ticket };
          alerts = seen.body;
          notice(null);
        } else {
          // The service worker's saved copy (no signal). This page saw each list it saved, and
          // the worker may have saved a late answer to an older request last: ours wins.
          alerts = seen.body || body;
          notice(seen.body ? new Date(seen.at).toISOString() : savedAt);
        }
      } catch (error) {
        if (seen.body) alerts = seen.body;
        notice(seen.body ? new Date(seen.at).toISOString() : null, error);
      }
    }
    const waiting = (await pending()).filter((p) => p.path === "/api/alerts/responses");
    for (const a of alerts) a.queued = waiting.filter((p) => p.body.incident_key === a.incident_key).map((p) => p.body.response);
    put(mapHolder, zoneGrid(me.zones, alerts));
    put(list, ...(alerts.length ? alerts.map((a) => alertCard(a, render)) : [h("li", { class: "empty" }, t("no_alerts"))]));
  };
  put(main, h("h2", { tabindex: "-1" }, t("alerts_title"), h("span", { class: "live", "aria-hidden": "true" }, t("live"))), mapHolder, list);
  await render(true);
  return render;
}
