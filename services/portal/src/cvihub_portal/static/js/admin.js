import { get, post } from "./api.js";
import { field, formData, h, put, select } from "./dom.js";
import { fmtDate, t } from "./i18n.js";

const ROLES = ["outreach_worker", "case_manager", "hospital_staff", "coordinator", "partner_admin"];

async function devices(holder, person) {
  const sessions = (await get(`/api/admin/people/${person.person_id}/sessions`)).body.filter((s) => !s.revoked_at);
  put(holder, sessions.length ? h("ul", {}, sessions.map((s) => h("li", {}, `${s.device_name} · ${t("last_seen", { when: fmtDate(s.last_seen_at) })} `,
    h("button", { type: "button", class: "btn", onclick: async () => { await post(`/api/admin/sessions/${s.session_id}`, undefined, "DELETE"); devices(holder, person); } },
      t("sign_out_device"))))) : h("p", {}, t("no_devices")));
}

export async function adminScreen(main, me, notice) {
  const status = h("p", { role: "status" });
  const show = async () => {
    let people = [];
    try {
      people = (await get("/api/admin/people")).body;
    } catch (error) {
      notice(null, error);
    }
    const form = h("form", { class: "stack" },
      field(t("display_name"), h("input", { name: "display_name", required: true })),
      field(t("email"), h("input", { name: "email", type: "email", required: true })),
      field(t("role"), select("role", ROLES.map((r) => [r, t(`role.${r}`)]))),
      h("button", { class: "btn primary" }, t("add_person")), status);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        await post("/api/admin/people", formData(form));
        show();
      } catch (error) {
        status.textContent = t("error", { detail: error.message });
      }
    });
    put(main, h("h2", { tabindex: "-1" }, t("admin_title")), h("h3", {}, t("people")),
      h("ul", { class: "cards" }, people.map((p) => {
        const holder = h("div");
        const next = p.status === "active" ? "disabled" : "active";
        return h("li", { class: "card" }, h("h4", {}, p.display_name), h("p", { class: "meta" }, `${p.email} · ${t(`role.${p.role}`)} · ${t(`ps.${p.status}`)}`),
          h("div", { class: "actions" },
            h("button", { type: "button", class: "btn", onclick: () => devices(holder, p) }, t("devices")),
            p.person_id === me.person_id ? null : h("button", { type: "button", class: "btn", onclick: async () => { await post(`/api/admin/people/${p.person_id}`, { status: next }, "PATCH"); show(); } },
              t(next === "disabled" ? "disable" : "enable"))), holder);
      })),
      h("details", {}, h("summary", {}, t("add_person")), form));
  };
  await show();
}
