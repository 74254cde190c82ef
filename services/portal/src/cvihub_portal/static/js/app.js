import { get, HttpError, post } from "./api.js";
import { adminScreen } from "./admin.js";
import { alertsScreen, forgetAlerts } from "./alerts.js";
import { boardScreen, directoryScreen } from "./board.js";
import { dashboardScreen } from "./dashboard.js";
import { field, h, select, put } from "./dom.js";
import { fmtAgo, fmtDate, getLang, setLang, STRINGS, t } from "./i18n.js";
import { hubAdminApp } from "./hubadmin.js";
import { flush, onChange, pending } from "./queue.js";
import { referralsScreen } from "./referrals.js";

const main = document.getElementById("main");
const statusBar = document.getElementById("status");
const nav = document.getElementById("nav");
const header = document.getElementById("header");
let me = null, refresh = null, live = null;

const ROUTES = {
  alerts: { label: "nav_alerts", screen: alertsScreen, needs: "alerts" },
  referrals: { label: "nav_referrals", screen: referralsScreen },
  board: { label: "nav_board", screen: boardScreen },
  directory: { label: "nav_directory", screen: directoryScreen },
  dashboard: { label: "nav_dashboard", screen: dashboardScreen },
  admin: { label: "nav_admin", screen: adminScreen, needs: "admin" },
};

function notice(savedAt, error) {
  const parts = [];
  if (!navigator.onLine) parts.push(t("offline"));
  if (savedAt) parts.push(t("saved_copy", { when: fmtAgo(savedAt) }));
  if (error && !(error instanceof TypeError)) parts.push(t("error", { detail: error.message }));
  statusBar.textContent = parts.join(" · ");
  statusBar.hidden = parts.length === 0;
}

function languageField() {
  const language = select("lang", Object.keys(STRINGS).map((l) => [l, l === "en" ? "English" : "Español"]), getLang());
  language.addEventListener("change", () => { setLang(language.value); start(); });
  return field(t("language"), language);
}

const inConsole = () => location.hash.startsWith("#/hub-admin");

async function renderHeader() {
  const waiting = await pending();
  put(header, 
    h("h1", {}, t("app_name"), me ? h("span", { class: "who" }, ` · ${me.partner_name}`) : null),
    h("div", { class: "tools" },
      languageField(),
      me ? h("a", { href: "#/queue", class: `badge${waiting.length ? " on" : ""}`, id: "queue-badge" }, t("queued", { n: waiting.length })) : null,
      me ? h("button", { type: "button", class: "link", onclick: signOut }, t("sign_out")) : null));
}

function renderNav(current) {
  put(nav, h("ul", {}, Object.entries(ROUTES)
    .filter(([, r]) => !r.needs || me.abilities.includes(r.needs))
    .map(([name, r]) => h("li", {}, h("a", { href: `#/${name}`, "aria-current": name === current ? "page" : false }, t(r.label))))));
}

async function queueScreen() {
  const waiting = await pending();
  put(main, h("h2", { tabindex: "-1" }, t("queue_title")),
    waiting.length ? h("ul", { class: "cards" }, waiting.map((a) => h("li", { class: "card" }, a.label, h("p", { class: "meta" }, fmtDate(a.created)))))
      : h("p", {}, t("queue_empty")),
    h("button", { type: "button", class: "btn primary", onclick: async () => { await flush(); queueScreen(); } }, t("send_now")));
}

let visits = 0; // which visit owns the screen: the latest route() call

async function route() {
  const visit = ++visits;
  const name = (location.hash.replace(/^#\//, "") || "").split("/")[0];
  if (name === "queue") { renderNav(name); refresh = null; return queueScreen(); }
  const fallback = me.abilities.includes("alerts") ? "alerts" : "referrals";
  const chosen = ROUTES[name] && (!ROUTES[name].needs || me.abilities.includes(ROUTES[name].needs)) ? name : fallback;
  renderNav(chosen);
  // Each visit renders into a view of its own: a screen still busy when the person has moved
  // on (an action's re-render waiting on one bar of signal) fills a detached view, never the
  // screen they are on now.
  const view = h("div", { class: "view" });
  put(main, view);
  put(view, h("p", {}, t("loading")));
  const result = await ROUTES[chosen].screen(view, me, notice);
  if (visit !== visits) return;
  refresh = chosen === "alerts" ? result : null;
  view.querySelector("h2")?.focus();
}

function connectLive() {
  if (live || !window.EventSource || !me.abilities.includes("alerts")) return;
  live = new EventSource("/api/stream");
  const update = () => refresh && refresh(true);
  ["org.cvihub.incident-alert.published", "message"].forEach((type) => live.addEventListener(type, update));
}

function signInScreen() {
  const email = h("input", { type: "email", name: "email", required: true, autocomplete: "email" });
  const status = h("p", { role: "status", "aria-live": "polite" });
  const codeForm = (address) => {
    const code = h("input", { name: "code", inputmode: "numeric", pattern: "[0-9]{6}", maxlength: 6, required: true, autocomplete: "one-time-code" });
    const device = h("input", { name: "device", value: t("device_default"), required: true });
    const form = h("form", { class: "stack", id: "code-form" }, h("p", {}, t("code_sent", { email: address })),
      field(t("code"), code), field(t("device"), device), h("button", { class: "btn primary" }, t("sign_in")), status,
      h("button", { type: "button", class: "link", onclick: signInScreen }, t("use_other_email")));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        me = await post("/api/auth/session", { email: address, code: code.value, device_name: device.value });
        location.hash = "";
        start();
      } catch (error) {
        status.textContent = error instanceof HttpError && error.status === 429 ? t("too_many") : t("signin_failed");
      }
    });
    put(main, h("h2", { tabindex: "-1" }, t("signin_title")), form);
    code.focus();
  };
  const form = h("form", { class: "stack", id: "email-form" }, field(t("email"), email), h("button", { class: "btn primary" }, t("send_code")), status);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await post("/api/auth/code", { email: email.value });
      codeForm(email.value);
    } catch (error) {
      status.textContent = error instanceof HttpError && error.status === 429 ? t("too_many") : t("error", { detail: error.message });
    }
  });
  put(nav, );
  put(main, h("h2", { tabindex: "-1" }, t("signin_title")), form,
    h("p", {}, h("a", { href: "#/hub-admin" }, t("ha_link"))));
}

async function signOut() {
  try { await post("/api/auth/session", undefined, "DELETE"); } catch { /* signed out here anyway */ }
  if (window.caches) await caches.delete("cvihub-data");
  forgetAlerts();
  if (live) live.close();
  me = null; live = null;
  start();
}

async function start() {
  setLang(getLang());
  document.title = t("app_name");
  document.querySelector(".skip").textContent = t("skip");
  if (inConsole()) return hubAdminApp(main, nav, header, languageField);
  if (!me) {
    try {
      me = (await get("/api/me")).body;
    } catch (error) {
      me = null;
      if (!(error instanceof HttpError && error.status === 401)) notice(null, error);
    }
  }
  await renderHeader();
  if (!me) return signInScreen();
  connectLive();
  await route();
}

window.addEventListener("hashchange", () => (inConsole() ? hubAdminApp(main, nav, header, languageField) : me ? route() : start()));
window.addEventListener("online", () => { notice(); flush(); });
window.addEventListener("offline", () => notice());
onChange(() => { renderHeader(); if (location.hash === "#/queue") queueScreen(); else if (refresh) refresh(true); });
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js");
  // On the first visit the worker takes over after the first lists were fetched: fetch the
  // current screen again through it, so what the person sees is also what stays offline.
  navigator.serviceWorker.addEventListener("controllerchange", () => refresh && refresh(true));
}
window.portal = { flush, pending };
start().then(() => flush());
