// Every string the app shows, in English and Spanish; dates and numbers through Intl.
export const STRINGS = {
  en: {
    app_name: "CVI hub", skip: "Skip to content", language: "Language",
    nav_alerts: "Alerts", nav_referrals: "Referrals", nav_board: "Community", nav_directory: "Directory",
    nav_dashboard: "Dashboard", sign_out: "Sign out", offline: "Offline: actions wait on this phone",
    online: "Online", queued: "Waiting to send: {n}", queue_title: "Waiting to send", queue_empty: "Nothing is waiting.",
    send_now: "Send now", signin_title: "Sign in", email: "Work e-mail", send_code: "E-mail me a code",
    code_sent: "We sent a 6-digit code to {email}. It works for 10 minutes.", code: "6-digit code",
    device: "Name of this phone", device_default: "My phone", sign_in: "Sign in", use_other_email: "Use another e-mail",
    signin_failed: "That code did not work. Check it or ask for a new one.", too_many: "Too many codes asked for. Wait a few minutes.",
    loading: "Loading…", saved_copy: "Showing what this phone saved {when}.", error: "Something went wrong: {detail}",
    alerts_title: "Alerts in my zones", no_alerts: "No alerts right now.", map_title: "Zones", active_in_zone: "{zone}: {n} active",
    acknowledge: "Acknowledge", on_my_way: "On my way", handled: "Handled", acknowledged: "Acknowledged",
    cancelled: "Cancelled", revision: "Update {n}", severity: "Severity", zone: "Zone", live: "Live",
    response_by: "{name}: {response}", queued_action: "Waiting to send",
    referrals_title: "Referrals", received: "Offered to or owned by us", sent: "Sent by us", no_referrals: "No referrals.",
    accept: "Accept", decline: "Decline", decline_reason: "Why decline?", complete: "Mark complete",
    contact_title: "Log a contact attempt", channel: "How", outcome: "Result", log_attempt: "Log attempt",
    attempts: "Contact attempts: {n}", back: "Back", patient: "Person referred", phone: "Phone",
    history: "History", urgency: "Urgency", status: "Status", submitted: "Sent", from_partner: "From {p}", to_partner: "To {p}",
    new_referral: "New referral", recipient: "Send to", given_name: "Given name", family_name: "Family name",
    phone_hint: "International format, e.g. +15551234567", mechanism: "Injury", reason: "Why refer (optional)",
    consent_title: "Consent", consented_by: "Who gave consent", consent_until: "Consent ends on (optional)",
    consent_confirm: "The patient (or guardian) agreed that this organisation may contact them.",
    send_referral: "Send referral", referral_sent: "Referral sent.", referral_queued: "Referral saved: it will be sent when you are online.",
    board_title: "Community board", events: "Events", resources: "Resources", no_items: "Nothing yet.",
    share_title: "Share an event or resource", kind: "Type", event: "Event", resource: "Resource", title: "Title",
    summary: "Summary", starts_at: "Starts", link: "Link (optional)", share: "Share",
    directory_title: "Directory", filter_service: "Service", filter_zone: "Zone", any_zone: "Any zone", search: "Filter",
    offers: "Offers", zones: "Zones", website: "Website", contact: "Contact", no_partners: "No organisation matches.",
    dashboard_title: "Dashboard", dash_note: "Counts only, no personal data. Counts from 1 to {n} are hidden.",
    by_status: "Referrals by status", time_accept: "Time to acceptance", median: "Median: {h} h",
    alerts_zone_week: "Alerts per zone and week", export_csv: "Download CSV", print_report: "Print a one-page report", suppressed: "<{n}", no_data: "No data yet.", total: "Total: {n}",
    status_over_time: "Referrals by week sent and status now", weeks_note: "The last 12 weeks; week numbers.",
    outcomes: "Outcomes by month", outcomes_note: "Referrals that ended, by the month they ended.",
    time_contact: "Time to first contact", median_hidden: "Median hidden (fewer than {n})", not_available: "Not available right now.",
    "scope.own": "My organisation's referrals", "scope.network": "The whole network", show_table: "Show as a table", count: "Count",
    delivery_health: "Delivery health per channel", delivery_note: "My organisation's newest 200 deliveries.",
    median_time: "Median time to deliver", seconds: "{n} s", report_of: "Report of {when} for {org}",
    "ch.webhook": "Webhook", "ch.email": "E-mail", "ch.sms": "Text message", "ch.inbox": "Inbox",
    "dl.delivered": "Delivered", "dl.pending": "Waiting", "dl.failed": "Failed for good",
    "s.requested": "Requested", "s.accepted": "Accepted", "s.rejected": "Declined", "s.canceled": "Canceled",
    "s.in-progress": "In progress", "s.on-hold": "On hold", "s.failed": "Failed", "s.completed": "Completed",
    "s.entered-in-error": "Entered in error",
    "u.routine": "Routine", "u.urgent": "Urgent", "u.emergent": "Emergent",
    "m.gunshot": "Gunshot", "m.stabbing": "Stabbing", "m.assault": "Assault", "m.other": "Other",
    "c.phone": "Phone call", "c.sms": "Text message", "c.email": "E-mail", "c.in-person": "In person",
    "c.home-visit": "Home visit", "c.bedside": "At the bedside", "c.other": "Other way",
    "o.reached": "Reached", "o.no-answer": "No answer", "o.left-message": "Left a message", "o.wrong-number": "Wrong number",
    "o.declined": "Said no",
    service_title: "Log a service delivered", service_type: "Service", service_date: "Day delivered", log_service: "Log service",
    services_n: "Services delivered: {n}", recorded_by_other: "by {p}", consent_record: "Consent record",
    "sv.hospital-response": "Hospital-based violence intervention", "sv.street-outreach": "Street outreach",
    "sv.conflict-mediation": "Conflict mediation", "sv.case-management": "Case management", "sv.mentoring": "Mentoring",
    "sv.victim-advocacy": "Victim services and advocacy", "sv.mental-health": "Mental health", "sv.substance-use": "Substance use",
    "sv.relocation": "Relocation", "sv.housing": "Housing", "sv.employment": "Employment", "sv.education": "Education",
    "sv.legal-aid": "Legal aid", "sv.family-support": "Family support", "sv.other": "Other service",
    "r.could-not-contact": "Could not contact", "r.not-eligible": "Not eligible", "r.no-capacity": "No capacity",
    "r.declined-by-client": "Declined by the person", "r.other": "Other",
    "i.shooting": "Shooting", "i.shots_fired": "Shots fired", "i.assault": "Assault", "i.stabbing": "Stabbing", "i.homicide": "Homicide", "i.other": "Incident",
    "sev.fatal": "Fatal", "sev.critical": "Critical", "sev.serious": "Serious", "sev.minor": "Minor", "sev.unknown": "Unknown", "sev.none": "No injury",
    admin_title: "My organisation", people: "People", devices: "Devices", no_devices: "No signed-in devices.",
    last_seen: "last seen {when}", sign_out_device: "Sign this device out", disable: "Disable", enable: "Enable",
    add_person: "Add a person", display_name: "Name", role: "Role", nav_admin: "Admin",
    "role.outreach_worker": "Outreach worker", "role.case_manager": "Case manager", "role.hospital_staff": "Hospital staff",
    "role.coordinator": "Coordinator", "role.partner_admin": "Administrator", "ps.active": "Active", "ps.disabled": "Disabled",
    "resp.acknowledged": "acknowledged", "resp.on_my_way": "on the way", "resp.handled": "handled",
  },
  es: {
    app_name: "CVI hub", skip: "Saltar al contenido", language: "Idioma",
    nav_alerts: "Alertas", nav_referrals: "Referidos", nav_board: "Comunidad", nav_directory: "Directorio",
    nav_dashboard: "Panel", sign_out: "Cerrar sesión", offline: "Sin conexión: las acciones esperan en este teléfono",
    online: "En línea", queued: "Por enviar: {n}", queue_title: "Por enviar", queue_empty: "No hay nada pendiente.",
    send_now: "Enviar ahora", signin_title: "Iniciar sesión", email: "Correo de trabajo", send_code: "Envíenme un código",
    code_sent: "Enviamos un código de 6 dígitos a {email}. Sirve durante 10 minutos.", code: "Código de 6 dígitos",
    device: "Nombre de este teléfono", device_default: "Mi teléfono", sign_in: "Entrar", use_other_email: "Usar otro correo",
    signin_failed: "Ese código no sirvió. Revíselo o pida uno nuevo.", too_many: "Demasiados códigos pedidos. Espere unos minutos.",
    loading: "Cargando…", saved_copy: "Mostrando lo que este teléfono guardó {when}.", error: "Algo salió mal: {detail}",
    alerts_title: "Alertas en mis zonas", no_alerts: "No hay alertas ahora.", map_title: "Zonas", active_in_zone: "{zone}: {n} activas",
    acknowledge: "Enterado", on_my_way: "Voy en camino", handled: "Atendida", acknowledged: "Enterado",
    cancelled: "Cancelada", revision: "Actualización {n}", severity: "Gravedad", zone: "Zona", live: "En vivo",
    response_by: "{name}: {response}", queued_action: "Por enviar",
    referrals_title: "Referidos", received: "Ofrecidos o a nuestro cargo", sent: "Enviados por nosotros", no_referrals: "No hay referidos.",
    accept: "Aceptar", decline: "Rechazar", decline_reason: "¿Por qué rechazar?", complete: "Marcar como completado",
    contact_title: "Registrar un intento de contacto", channel: "Cómo", outcome: "Resultado", log_attempt: "Registrar intento",
    attempts: "Intentos de contacto: {n}", back: "Volver", patient: "Persona referida", phone: "Teléfono",
    history: "Historial", urgency: "Urgencia", status: "Estado", submitted: "Enviado", from_partner: "De {p}", to_partner: "Para {p}",
    new_referral: "Nuevo referido", recipient: "Enviar a", given_name: "Nombre", family_name: "Apellido",
    phone_hint: "Formato internacional, p. ej. +15551234567", mechanism: "Lesión", reason: "Motivo (opcional)",
    consent_title: "Consentimiento", consented_by: "Quién dio el consentimiento", consent_until: "El consentimiento termina el (opcional)",
    consent_confirm: "El paciente (o su tutor) aceptó que esta organización lo contacte.",
    send_referral: "Enviar referido", referral_sent: "Referido enviado.", referral_queued: "Referido guardado: se enviará cuando haya conexión.",
    board_title: "Tablero comunitario", events: "Eventos", resources: "Recursos", no_items: "Todavía nada.",
    share_title: "Compartir un evento o recurso", kind: "Tipo", event: "Evento", resource: "Recurso", title: "Título",
    summary: "Resumen", starts_at: "Empieza", link: "Enlace (opcional)", share: "Compartir",
    directory_title: "Directorio", filter_service: "Servicio", filter_zone: "Zona", any_zone: "Cualquier zona", search: "Filtrar",
    offers: "Ofrece", zones: "Zonas", website: "Sitio web", contact: "Contacto", no_partners: "Ninguna organización coincide.",
    dashboard_title: "Panel", dash_note: "Solo conteos, sin datos personales. Se ocultan los conteos de 1 a {n}.",
    by_status: "Referidos por estado", time_accept: "Tiempo hasta la aceptación", median: "Mediana: {h} h",
    alerts_zone_week: "Alertas por zona y semana", export_csv: "Descargar CSV", print_report: "Imprimir un informe de una página", suppressed: "<{n}", no_data: "Todavía no hay datos.", total: "Total: {n}",
    status_over_time: "Referidos por semana de envío y estado actual", weeks_note: "Las últimas 12 semanas; número de semana.",
    outcomes: "Resultados por mes", outcomes_note: "Referidos que terminaron, por el mes en que terminaron.",
    time_contact: "Tiempo hasta el primer contacto", median_hidden: "Mediana oculta (menos de {n})", not_available: "No disponible ahora.",
    "scope.own": "Referidos de mi organización", "scope.network": "Toda la red", show_table: "Ver como tabla", count: "Cantidad",
    delivery_health: "Estado de los envíos por canal", delivery_note: "Los 200 envíos más recientes de mi organización.",
    median_time: "Tiempo mediano de entrega", seconds: "{n} s", report_of: "Informe del {when} para {org}",
    "ch.webhook": "Webhook", "ch.email": "Correo", "ch.sms": "Mensaje de texto", "ch.inbox": "Buzón",
    "dl.delivered": "Entregados", "dl.pending": "En espera", "dl.failed": "Fallidos sin remedio",
    "s.requested": "Solicitado", "s.accepted": "Aceptado", "s.rejected": "Rechazado", "s.canceled": "Cancelado",
    "s.in-progress": "En curso", "s.on-hold": "En pausa", "s.failed": "Fallido", "s.completed": "Completado",
    "s.entered-in-error": "Registrado por error",
    "u.routine": "Normal", "u.urgent": "Urgente", "u.emergent": "Emergencia",
    "m.gunshot": "Herida de bala", "m.stabbing": "Arma blanca", "m.assault": "Agresión", "m.other": "Otra",
    "c.phone": "Llamada", "c.sms": "Mensaje de texto", "c.email": "Correo", "c.in-person": "En persona",
    "c.home-visit": "Visita a domicilio", "c.bedside": "Junto a la cama", "c.other": "De otra forma",
    "o.reached": "Contactado", "o.no-answer": "No contestó", "o.left-message": "Dejé un mensaje", "o.wrong-number": "Número equivocado",
    "o.declined": "Dijo que no",
    service_title: "Registrar un servicio prestado", service_type: "Servicio", service_date: "Día en que se prestó", log_service: "Registrar servicio",
    services_n: "Servicios prestados: {n}", recorded_by_other: "por {p}", consent_record: "Registro de consentimiento",
    "sv.hospital-response": "Intervención en el hospital", "sv.street-outreach": "Trabajo de calle",
    "sv.conflict-mediation": "Mediación de conflictos", "sv.case-management": "Gestión de casos", "sv.mentoring": "Mentoría",
    "sv.victim-advocacy": "Apoyo a víctimas", "sv.mental-health": "Salud mental", "sv.substance-use": "Consumo de sustancias",
    "sv.relocation": "Reubicación", "sv.housing": "Vivienda", "sv.employment": "Empleo", "sv.education": "Educación",
    "sv.legal-aid": "Asesoría legal", "sv.family-support": "Apoyo familiar", "sv.other": "Otro servicio",
    "r.could-not-contact": "No se pudo contactar", "r.not-eligible": "No cumple requisitos", "r.no-capacity": "Sin cupo",
    "r.declined-by-client": "La persona no quiso", "r.other": "Otro",
    "i.shooting": "Tiroteo", "i.shots_fired": "Disparos", "i.assault": "Agresión", "i.stabbing": "Apuñalamiento", "i.homicide": "Homicidio", "i.other": "Incidente",
    "sev.fatal": "Mortal", "sev.critical": "Crítica", "sev.serious": "Grave", "sev.minor": "Leve", "sev.unknown": "Desconocida", "sev.none": "Sin lesiones",
    admin_title: "Mi organización", people: "Personas", devices: "Dispositivos", no_devices: "Ningún dispositivo con sesión.",
    last_seen: "visto por última vez {when}", sign_out_device: "Cerrar la sesión de este dispositivo", disable: "Desactivar", enable: "Activar",
    add_person: "Agregar una persona", display_name: "Nombre completo", role: "Función", nav_admin: "Gestión",
    "role.outreach_worker": "Trabajador de calle", "role.case_manager": "Gestor de casos", "role.hospital_staff": "Personal del hospital",
    "role.coordinator": "Coordinador", "role.partner_admin": "Administrador", "ps.active": "Activa", "ps.disabled": "Desactivada",
    "resp.acknowledged": "enterado", "resp.on_my_way": "en camino", "resp.handled": "atendida",
  },
};

let lang = localStorage.getItem("lang") || (navigator.language || "en").slice(0, 2);
if (!STRINGS[lang]) lang = "en";

export const getLang = () => lang;
export function setLang(next) {
  lang = STRINGS[next] ? next : "en";
  localStorage.setItem("lang", lang);
  document.documentElement.lang = lang;
}
export function t(key, vars = {}) {
  const text = STRINGS[lang][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : ""));
}
export const fmtDate = (iso) =>
  iso ? new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso)) : "";
export const fmtDay = (iso) => (iso ? new Intl.DateTimeFormat(lang, { dateStyle: "full" }).format(new Date(iso)) : "");
export const fmtNum = (n) => new Intl.NumberFormat(lang).format(n);
export function fmtAgo(iso) {
  const seconds = (new Date(iso).getTime() - Date.now()) / 1000;
  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
  const steps = [[60, "second"], [3600, "minute"], [86400, "hour"], [Infinity, "day"]];
  let unit = 1;
  for (const [limit, name] of steps) {
    if (Math.abs(seconds) < limit) return rtf.format(Math.round(seconds / unit), name);
    unit = limit;
  }
  return "";
}
