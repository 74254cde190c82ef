import { get } from "./api.js";
import { field, formData, h, select, put } from "./dom.js";
import { act } from "./queue.js";
import { fmtDate, fmtDay, t } from "./i18n.js";

function bulletin(b) {
  return h("li", { class: "card" }, h("h4", {}, b.title),
    b.starts_at ? h("p", { class: "meta" }, h("time", { datetime: b.starts_at }, fmtDay(b.starts_at)), " · ", fmtDate(b.starts_at).split(",").pop()) : null,
    b.venue && b.venue.name ? h("p", {}, b.venue.name, b.venue.zone ? ` · ${b.venue.zone}` : "") : null,
    h("p", {}, b.summary), b.url ? h("a", { href: b.url, rel: "noopener" }, b.url) : null,
    h("p", { class: "meta" }, b.publisher_partner_id));
}

export async function boardScreen(main, me, notice) {
  let items = [];
  try {
    const { body, savedAt } = await get("/api/board");
    items = body;
    notice(savedAt);
  } catch (error) {
    notice(null, error);
  }
  const events = items.filter((b) => b.kind === "event").sort((a, b) => String(a.starts_at).localeCompare(String(b.starts_at)));
  const resources = items.filter((b) => b.kind === "resource");
  const list = (xs) => h("ul", { class: "cards" }, xs.length ? xs.map(bulletin) : h("li", { class: "empty" }, t("no_items")));
  const status = h("p", { role: "status" });
  const form = h("form", { class: "stack" },
    field(t("kind"), select("kind", [["event", t("event")], ["resource", t("resource")]])),
    field(t("title"), h("input", { name: "title", required: true })),
    field(t("summary"), h("textarea", { name: "summary", required: true, rows: 2 })),
    field(t("starts_at"), h("input", { name: "starts_at", type: "datetime-local" })),
    field(t("link"), h("input", { name: "url", type: "url" })),
    h("button", { class: "btn" }, t("share")), status);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const d = formData(form);
    const body = { kind: d.kind, title: d.title, summary: d.summary, url: d.url || null,
      starts_at: d.starts_at ? new Date(d.starts_at).toISOString() : null };
    const result = await act("/api/board", body, `${t("share")}: ${d.title}`);
    status.textContent = result.queued ? t("queued_action") : result.ok ? "✓" : t("error", { detail: result.body.detail || result.status });
    if (result.ok) form.reset();
  });
  put(main, h("h2", { tabindex: "-1" }, t("board_title")), h("h3", {}, t("events")), list(events),
    h("h3", {}, t("resources")), list(resources), h("details", {}, h("summary", {}, t("share_title")), form));
}

export async function directoryScreen(main, me, notice) {
  const service = h("input", { name: "service", type: "search" });
  const zone = select("zone", [["", t("any_zone")], ...["north", "south", "east", "west", "central"].map((z) => [z, z])]);
  const results = h("ul", { class: "cards", "aria-live": "polite" });
  const load = async () => {
    const query = new URLSearchParams(Object.entries({ service: service.value, zone: zone.value }).filter(([, v]) => v));
    try {
      const { body, savedAt } = await get(`/api/directory?${query}`);
      notice(savedAt);
      put(results, ...(body.length ? body.map((p) => h("li", { class: "card" }, h("h3", {}, p.name),
        p.description ? h("p", {}, p.description) : null,
        h("p", {}, h("strong", {}, `${t("offers")}: `), (p.services_offered || []).join(", ")),
        h("p", {}, h("strong", {}, `${t("zones")}: `), (p.zones || []).join(", ")),
        p.contact_email ? h("p", {}, h("a", { href: `mailto:${p.contact_email}` }, p.contact_email)) : null,
        p.website ? h("p", {}, h("a", { href: p.website, rel: "noopener" }, t("website"))) : null))
        : [h("li", { class: "empty" }, t("no_partners"))]));
    } catch (error) {
      notice(null, error);
    }
  };
  const form = h("form", { class: "filters", onsubmit: (e) => { e.preventDefault(); load(); } },
    field(t("filter_service"), service), field(t("filter_zone"), zone), h("button", { class: "btn" }, t("search")));
  put(main, h("h2", { tabindex: "-1" }, t("directory_title")), form, results);
  await load();
}
