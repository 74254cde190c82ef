// The hub administrators' console (#/hub-admin): its own sign-in by e-mailed code, then
// partners (onboard, keys, grants, subscriptions, delivery health, dead letters) and the audit.
// The admin key stays in the portal; nothing here is kept on the device.
import { get, HttpError, post } from "./api.js";
import { field, formData, h, put, select } from "./dom.js";
import { fmtDate, fmtNum, t } from "./i18n.js";

const API = "/api/hub-admin";
const reg = (path) => `${API}/registry${path}`;
const KINDS = ["cvi_org", "hospital", "police", "city", "funder", "other"];
const STREAMS = ["referrals", "incident-alerts", "bulletins"];
const ACTIONS = ["subscribe", "publish"];
let flash = null; // a secret to show once on the next render of the partner screen
const list = (items, render, none) => (items.length ? h("ul", { class: "cards" }, items.map((x) => h("li", { class: "card" }, render(x)))) : h("p", { class: "empty" }, none));

function signIn(main, done) {
  const email = h("input", { type: "email", name: "email", required: true, autocomplete: "email" });
  const status = h("p", { role: "status", "aria-live": "polite" });
  const askCode = h("form", { class: "stack" }, field(t("email"), email), h("button", { class: "btn primary" }, t("send_code")), status);
  askCode.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await post(`${API}/code`, { email: email.value });
    } catch (error) {
      status.textContent = error instanceof HttpError && error.status === 429 ? t("too_many") : t("error", { detail: error.message });
      return;
    }
    const code = h("input", { name: "code", inputmode: "numeric", pattern: "[0-9]{6}", maxlength: 6, required: true, autocomplete: "one-time-code" });
    const enter = h("form", { class: "stack" }, h("p", {}, t("code_sent", { email: email.value })), field(t("code"), code), h("button", { class: "btn primary" }, t("sign_in")), status);
    enter.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try { done(await post(`${API}/session`, { email: email.value, code: code.value })); } catch { status.textContent = t("signin_failed"); }
    });
    put(main, h("h2", { tabindex: "-1" }, t("ha_signin")), enter);
    code.focus();
  });
  put(main, h("h2", { tabindex: "-1" }, t("ha_signin")), h("p", {}, t("ha_signin_note")), askCode);
}

// A change through the console: the answer, or the registry's refusal shown in `status`.
async function change(status, path, body, method = "POST") {
  try {
    const answer = await post(path, body, method);
    status.textContent = t("ha_done");
    return answer;
  } catch (error) {
    status.textContent = t("error", { detail: error.message });
    return null;
  }
}

function onboard(main, again) {
  const status = h("p", { role: "status" });
  const form = h("form", { class: "stack" },
    field(t("ha_partner_id"), h("input", { name: "partner_id", required: true, pattern: "[a-z0-9][a-z0-9-]{1,62}[a-z0-9]" }), t("ha_partner_id_hint")),
    field(t("display_name"), h("input", { name: "name", required: true })),
    field(t("kind"), select("kind", KINDS.map((k) => [k, t(`pk.${k}`)]))),
    field(t("ha_contact_email"), h("input", { name: "contact_email", type: "email" })),
    field(t("zones"), h("input", { name: "zones" }), t("ha_zones_hint")),
    h("button", { class: "btn primary" }, t("ha_onboard")), status);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const d = formData(form);
    const zones = d.zones.split(",").map((z) => z.trim()).filter(Boolean);
    const made = await change(status, reg("/partners"), { partner_id: d.partner_id, name: d.name, kind: d.kind, contact_email: d.contact_email || null, zones });
    if (made) again(`partner/${made.partner_id}`);
  });
  return h("details", {}, h("summary", {}, t("ha_onboard")), form);
}

async function partners(main, again) {
  const all = (await get(reg("/partners"))).body;
  put(main, h("h2", { tabindex: "-1" }, t("ha_partners")), onboard(main, again),
    list(all, (p) => h("button", { type: "button", class: "row", "data-partner": p.partner_id, onclick: () => again(`partner/${p.partner_id}`) },
      h("strong", {}, p.name), h("span", { class: "meta" }, ` · ${t(`pk.${p.kind}`)} · ${p.status}`)), t("no_partners")));
}

async function partner(main, id, again) {
  const status = h("p", { role: "status", "aria-live": "polite" });
  const [p, keys, grants, subs] = await Promise.all([get(reg(`/partners/${id}`)), get(reg(`/partners/${id}/keys`)), get(reg(`/grants?partner_id=${id}`)), get(reg(`/subscriptions?partner_id=${id}`))].map((r) => r.then((x) => x.body)));
  const shown = h("div", { "aria-live": "polite" }, flash ? [h("p", { class: "chip" }, flash[0]), h("pre", { class: "secret" }, flash[1])] : null);
  flash = null;
  const issue = h("button", { type: "button", class: "btn", onclick: async () => {
    const made = await change(status, reg(`/partners/${id}/keys`), {});
    if (made) { flash = [t("ha_key_once"), made.api_key]; again(`partner/${id}`); }
  } }, t("ha_issue_key"));
  const stream = select("stream", STREAMS.map((s) => [s, s])), action = select("action", ACTIONS.map((a) => [a, t(`ga.${a}`)]));
  const grant = h("form", { class: "inline", onsubmit: async (e) => { e.preventDefault(); if (await change(status, reg("/grants"), { partner_id: id, stream: stream.value, action: action.value })) again(`partner/${id}`); } },
    field(t("ha_stream"), stream), field(t("ha_action"), action), h("button", { class: "btn" }, t("ha_grant")));
  const subStream = select("stream", STREAMS.map((s) => [s, s])), url = h("input", { name: "url", type: "url", required: true, placeholder: "https://" });
  const subscribe = h("form", { class: "inline", onsubmit: async (e) => { e.preventDefault(); const made = await change(status, reg(`/partners/${id}/subscriptions`), { stream: subStream.value, channel: "webhook", url: url.value }); if (made) { flash = [t("ha_secret_once"), made.secret || ""]; again(`partner/${id}`); } } },
    field(t("ha_stream"), subStream), field(t("ha_webhook_url"), url), h("button", { class: "btn" }, t("ha_subscribe")));
  const revoke = (path) => async () => { if (await change(status, reg(path), undefined, "DELETE")) again(`partner/${id}`); };
  const live = (x) => x.status === "active";
  put(main, h("button", { type: "button", class: "link", onclick: () => again("") }, `← ${t("back")}`),
    h("h2", { tabindex: "-1" }, p.name), h("p", { class: "meta" }, `${p.partner_id} · ${t(`pk.${p.kind}`)} · ${p.status}`), status, shown,
    h("h3", {}, t("ha_keys")), list(keys.filter(live), (k) => [`${k.credential_id} · ${fmtDate(k.created_at)}${k.expires_at ? ` → ${fmtDate(k.expires_at)}` : ""} `,
      h("button", { type: "button", class: "btn", onclick: revoke(`/keys/${k.credential_id}`) }, t("ha_revoke"))], t("ha_none")), issue,
    h("h3", {}, t("ha_grants")), list(grants.filter(live), (g) => [`${g.stream} · ${t(`ga.${g.action}`)}${g.zones ? ` · ${g.zones.join(", ")}` : ""} `,
      h("button", { type: "button", class: "btn", onclick: revoke(`/grants/${g.grant_id}`) }, t("ha_revoke"))], t("ha_none")), grant,
    h("h3", {}, t("ha_subscriptions")), list(subs.filter(live), (s) => [`${s.stream} · ${t(`ch.${s.channel}`)} · ${s.url} `,
      h("button", { type: "button", class: "btn", onclick: revoke(`/subscriptions/${s.subscription_id}`) }, t("ha_revoke"))], t("ha_none")), subscribe,
    h("h3", {}, t("delivery_health")), h("div", { id: "health" }, h("p", {}, t("loading"))));
  main.querySelector("h2").focus();
  health(main.querySelector("#health"), id, status);
}

async function health(holder, id, status) {
  let d;
  try { d = (await get(`${API}/partners/${id}/delivery-health`)).body; } catch (error) { put(holder, h("p", {}, t("error", { detail: error.message }))); return; }
  const resend = (x) => async () => { if (await change(status, `${API}/partners/${id}/deliveries/${x.delivery_id}/resend`, {})) health(holder, id, status); };
  put(holder,
    d.channels.length ? h("table", {}, h("caption", {}, t("delivery_health")),
      h("thead", {}, h("tr", {}, ["", "dl.delivered", "dl.pending", "dl.failed"].map((k) => h("th", { scope: "col" }, k ? t(k) : "")))),
      h("tbody", {}, d.channels.map((c) => h("tr", {}, h("th", { scope: "row" }, t(`ch.${c.channel}`)), [c.delivered, c.pending, c.failed].map((n) => h("td", {}, fmtNum(n)))))))
      : h("p", {}, t("no_data")),
    h("h3", {}, t("ha_dead_letters")),
    list(d.dead_letters, (x) => [h("span", { "data-delivery": x.delivery_id }, `${x.event_type} · ${t(`ch.${x.channel}`)} · ${fmtDate(x.created_at)} · ${x.last_error || x.last_status_code || ""} `),
      h("button", { type: "button", class: "btn", onclick: resend(x) }, t("ha_resend"))], t("ha_no_dead_letters")));
}

async function audit(main) {
  const result = h("p", { role: "status", "aria-live": "polite" });
  const entries = (await get(reg("/audit?limit=30"))).body;
  const verify = async () => {
    const v = (await get(reg("/audit/verify"))).body;
    result.textContent = v.ok ? t("ha_audit_ok", { n: fmtNum(v.checked) }) : t("ha_audit_bad", { id: v.first_bad_id, reason: v.reason || "" });
  };
  put(main, h("h2", { tabindex: "-1" }, t("ha_audit")),
    h("button", { type: "button", class: "btn primary", onclick: verify }, t("ha_verify")), result,
    h("table", {}, h("caption", {}, t("ha_audit_latest")), h("thead", {}, h("tr", {}, [t("ha_when"), t("ha_who"), t("ha_what")].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, entries.map((e) => h("tr", {}, h("td", {}, fmtDate(e.at)), h("td", {}, e.actor), h("td", {}, e.action))))));
}

export async function hubAdminApp(main, nav, header, languageField) {
  let admin = null;
  try { admin = (await get(`${API}/me`)).body; } catch { admin = null; }
  const again = (sub) => {
    const target = sub ? `#/hub-admin/${sub}` : "#/hub-admin";
    if (location.hash === target) hubAdminApp(main, nav, header, languageField);
    else location.hash = target;
  };
  const leave = async () => { try { await post(`${API}/session`, undefined, "DELETE"); } catch { /* ended here anyway */ } hubAdminApp(main, nav, header, languageField); };
  put(header, h("h1", {}, t("app_name"), h("span", { class: "who" }, ` · ${t("ha_title")}`)),
    h("div", { class: "tools" }, languageField(), admin ? h("span", { class: "badge" }, `${admin.name} · ${t(`ar.${admin.role}`)}`) : null,
      admin ? h("button", { type: "button", class: "link", onclick: leave }, t("sign_out")) : null));
  if (!admin) { put(nav); return signIn(main, () => hubAdminApp(main, nav, header, languageField)); }
  const [, sub, id] = location.hash.replace(/^#\//, "").split("/");
  put(nav, h("ul", {}, [["", "ha_partners"], ["audit", "ha_audit"]].map(([s, label]) =>
    h("li", {}, h("a", { href: s ? `#/hub-admin/${s}` : "#/hub-admin", "aria-current": (sub || "") === s || (s === "" && sub === "partner") ? "page" : false }, t(label))))));
  put(main, h("p", {}, t("loading")));
  try {
    if (sub === "partner" && id) await partner(main, decodeURIComponent(id), again);
    else if (sub === "audit") await audit(main);
    else await partners(main, again);
  } catch (error) {
    if (error instanceof HttpError && error.status === 401) return hubAdminApp(main, nav, header, languageField);
    put(main, h("h2", { tabindex: "-1" }, t("ha_title")), h("p", {}, t("error", { detail: error.message })));
  }
  main.querySelector("h2")?.focus();
}
