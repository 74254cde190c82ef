import { get } from "./api.js";
import { field, formData, h, select, put } from "./dom.js";
import { act, pending } from "./queue.js";
import { fmtDate, fmtDay, t } from "./i18n.js";

// The referrals contract's contact methods and outcomes, and the CVI service codes (codes.py).
const METHODS = ["phone", "sms", "in-person", "home-visit", "bedside", "email", "other"];
const OUTCOMES = ["reached", "no-answer", "left-message", "wrong-number", "declined"];
const SERVICES = ["hospital-response", "street-outreach", "conflict-mediation", "case-management", "mentoring",
  "victim-advocacy", "mental-health", "substance-use", "relocation", "housing", "employment", "education",
  "legal-aid", "family-support", "other"];
const CHANNEL_METHOD = { phone: "phone", sms: "sms", email: "email", in_person: "in-person" };
const today = () => { const d = new Date(); d.setMinutes(d.getMinutes() - d.getTimezoneOffset()); return d.toISOString().slice(0, 10); };
const REASONS = ["no-capacity", "not-eligible", "could-not-contact", "declined-by-client", "other"];

function row(r, open) {
  return h("li", { class: "card", "data-referral": r.referral_id },
    h("button", { type: "button", class: "row", onclick: () => open(r.referral_id) },
      h("strong", {}, t(`s.${r.status}`)), ` · ${t(`u.${r.urgency}`)}`,
      h("span", { class: "meta" }, ` ${fmtDate(r.submitted_at)} · `,
        r.recipient ? t("from_partner", { p: r.referring_partner_id }) : t("to_partner", { p: r.recipient_partner_id }))));
}

async function detail(main, me, id, back, notice) {
  const waiting = (await pending()).filter((p) => p.path.includes(id));
  let r;
  try {
    r = (await get(`/api/referrals/${id}`)).body;
  } catch (error) {
    notice(null, error);
    return back();
  }
  const mine = r.recipient_partner_id === me.partner_id && me.abilities.includes("referrals.work");
  const again = () => detail(main, me, id, back, notice);
  const send = async (path, body, label) => { await act(path, body, label); await again(); };
  const p = r.payload.patient; // absent where the consent does not cover us
  const moves = [];
  if (mine && r.status === "requested") {
    const reason = select("reason", REASONS.map((v) => [v, t(`r.${v}`)]));
    moves.push(h("button", { type: "button", class: "btn primary", onclick: () => send(`/api/referrals/${id}/accept`, {}, t("accept")) }, t("accept")),
      h("form", { class: "inline", onsubmit: (e) => { e.preventDefault(); send(`/api/referrals/${id}/decline`, { reason: reason.value }, t("decline")); } },
        field(t("decline_reason"), reason), h("button", { class: "btn" }, t("decline"))));
  }
  let contact = null;
  let delivered = null;
  if (mine && ["accepted", "in-progress", "on-hold"].includes(r.status)) {
    const method = select("method", METHODS.map((v) => [v, t(`c.${v}`)]), CHANNEL_METHOD[p?.preferred_channel] || "phone");
    // The phone's clock: an attempt queued offline keeps the time it was made.
    const attempt = (o) => send(`/api/referrals/${id}/contact-attempts`, { method: method.value, outcome: o, occurred_at: new Date().toISOString() }, `${t("log_attempt")}: ${t(`o.${o}`)}`);
    contact = h("fieldset", { class: "contact" }, h("legend", {}, t("contact_title")), field(t("channel"), method),
      h("p", { id: "outcome-label" }, t("outcome")),
      h("div", { class: "actions", role: "group", "aria-labelledby": "outcome-label" }, OUTCOMES.map((o) =>
        h("button", { type: "button", class: "btn", onclick: () => attempt(o) }, t(`o.${o}`)))));
    moves.push(h("button", { type: "button", class: "btn", onclick: () => send(`/api/referrals/${id}/complete`, {}, t("complete")) }, t("complete")));
  }
  if (mine && ["accepted", "in-progress"].includes(r.status)) {
    const kind = select("service_type", SERVICES.map((v) => [v, t(`sv.${v}`)]));
    const day = h("input", { name: "service_date", type: "date", required: true, value: today(), max: today() });
    delivered = h("form", { class: "contact", onsubmit: (e) => { e.preventDefault(); send(`/api/referrals/${id}/services`, { service_type: kind.value, service_date: day.value }, `${t("log_service")}: ${t(`sv.${kind.value}`)}`); } },
      h("fieldset", {}, h("legend", {}, t("service_title")), field(t("service_type"), kind), field(t("service_date"), day),
        h("button", { class: "btn" }, t("log_service"))));
  }
  const activities = r.activities || [];
  const attempts = activities.filter((a) => a.kind === "contact-attempt");
  const services = activities.filter((a) => a.kind === "service-delivered");
  const by = (a) => (a.by_partner_id !== me.partner_id ? ` · ${t("recorded_by_other", { p: a.by_partner_id })}` : "");
  put(main,
    h("button", { type: "button", class: "link", onclick: back }, `← ${t("back")}`),
    h("h2", { tabindex: "-1" }, `${t(`s.${r.status}`)} · ${t(`u.${r.urgency}`)}`),
    waiting.length ? h("p", { class: "chip" }, `${t("queued_action")}: ${waiting.map((w) => w.label).join(", ")}`) : null,
    h("dl", {},
      p ? [h("dt", {}, t("patient")), h("dd", {}, `${p.given_name} ${p.family_name}`)] : null,
      p?.phone ? [h("dt", {}, t("phone")), h("dd", {}, h("a", { href: `tel:${p.phone}` }, p.phone))] : null,
      r.payload.injury?.mechanism ? [h("dt", {}, t("mechanism")), h("dd", {}, t(`m.${r.payload.injury.mechanism}`))] : null,
      h("dt", {}, t("submitted")), h("dd", {}, fmtDate(r.submitted_at)),
      r.payload.consent?.consent_id ? [h("dt", {}, t("consent_record")), h("dd", {}, h("code", {}, r.payload.consent.consent_id))] : null,
      h("dt", {}, t("attempts", { n: attempts.length })),
      h("dd", {}, h("ul", { "data-list": "attempts" }, attempts.map((a) => h("li", {}, `${fmtDate(a.occurred_at)} · ${t(`c.${a.method}`)} · ${t(`o.${a.outcome}`)}${by(a)}`)))),
      h("dt", {}, t("services_n", { n: services.length })),
      h("dd", {}, h("ul", { "data-list": "services" }, services.map((a) => h("li", {}, `${fmtDay(`${a.service_date}T12:00:00`)} · ${t(`sv.${a.service_type}`)}${by(a)}`))))),
    h("div", { class: "actions" }, moves), contact, delivered,
    h("h3", {}, t("history")),
    h("ol", { class: "history" }, r.history.map((e) => h("li", {}, `${fmtDate(e.at)} · ${t(`s.${e.to_status}`)}`))));
  main.querySelector("h2").focus();
}

async function referralForm(main, me, back, notice) {
  const partners = (await get("/api/directory").catch(() => ({ body: [] }))).body.filter((p) => p.kind === "cvi_org");
  const status = h("p", { role: "status" });
  const form = h("form", { class: "stack" },
    field(t("recipient"), select("recipient_partner_id", partners.map((p) => [p.partner_id, p.name]))),
    field(t("given_name"), h("input", { name: "given_name", required: true, autocomplete: "off" })),
    field(t("family_name"), h("input", { name: "family_name", required: true, autocomplete: "off" })),
    field(t("phone"), h("input", { name: "phone", type: "tel", pattern: "\\+[1-9][0-9]{6,14}" }), t("phone_hint")),
    field(t("mechanism"), select("mechanism", ["gunshot", "stabbing", "assault", "other"].map((v) => [v, t(`m.${v}`)]))),
    field(t("urgency"), select("urgency", ["routine", "urgent", "emergent"].map((v) => [v, t(`u.${v}`)]))),
    field(t("reason"), h("textarea", { name: "reason", rows: 2 })),
    h("fieldset", {}, h("legend", {}, t("consent_title")),
      field(t("consented_by"), h("input", { name: "consented_by", required: true })),
      field(t("consent_until"), h("input", { name: "consent_until", type: "date" })),
      h("div", { class: "check" }, h("input", { type: "checkbox", id: "consent", name: "consent_confirmed", required: true }), h("label", { for: "consent" }, t("consent_confirm")))),
    h("button", { class: "btn primary" }, t("send_referral")), status);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const d = formData(form);
    const body = { recipient_partner_id: d.recipient_partner_id, given_name: d.given_name, family_name: d.family_name,
      mechanism: d.mechanism, urgency: d.urgency, consented_by: d.consented_by, consent_confirmed: d.consent_confirmed === "on",
      phone: d.phone || null, reason: d.reason || null,
      consent_expires_at: d.consent_until ? new Date(`${d.consent_until}T23:59:59`).toISOString() : null };
    const result = await act("/api/referrals", body, `${t("new_referral")}: ${d.given_name}`);
    if (result.queued) status.textContent = t("referral_queued");
    else if (result.ok) { form.reset(); status.textContent = t("referral_sent"); }
    else status.textContent = t("error", { detail: result.body.detail || result.status });
  });
  put(main, h("button", { type: "button", class: "link", onclick: back }, `← ${t("back")}`), h("h2", { tabindex: "-1" }, t("new_referral")), form);
  main.querySelector("h2").focus();
}

export async function referralsScreen(main, me, notice) {
  const show = async () => {
    let list = [];
    try {
      const { body, savedAt } = await get("/api/referrals");
      list = body.map((r) => ({ ...r, recipient: r.recipient_partner_id === me.partner_id }));
      notice(savedAt);
    } catch (error) {
      notice(null, error);
    }
    const open = (id) => detail(main, me, id, show, notice);
    const section = (title, items) => [h("h3", {}, title), h("ul", { class: "cards" }, items.length ? items.map((r) => row(r, open)) : h("li", { class: "empty" }, t("no_referrals")))];
    put(main, h("h2", { tabindex: "-1" }, t("referrals_title")),
      me.abilities.includes("referrals.send") ? h("button", { type: "button", class: "btn primary", onclick: () => referralForm(main, me, show, notice) }, t("new_referral")) : null,
      me.abilities.includes("referrals.work") ? section(t("received"), list.filter((r) => r.recipient)) : null,
      me.abilities.includes("referrals.send") || list.some((r) => !r.recipient) ? section(t("sent"), list.filter((r) => !r.recipient)) : null);
  };
  await show();
  return show;
}
