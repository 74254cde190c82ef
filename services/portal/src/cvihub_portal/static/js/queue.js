// Actions taken without signal wait in IndexedDB, each with the Idempotency-Key it was made
// with, and are sent when the connection returns: the portal lands each one once.
const DB = "cvihub-portal", STORE = "actions";
let flushing = null;
const listeners = new Set();

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "key" });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}
async function run(mode, work) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const result = work(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
    tx.onerror = () => reject(tx.error);
  });
}
export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}
export const pending = async () => (await run("readonly", (s) => s.getAll())) || [];
export const onChange = (fn) => listeners.add(fn);
const changed = async () => { const list = await pending(); listeners.forEach((fn) => fn(list)); };

async function send(action) {
  return fetch(action.path, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-Portal": "1", "Idempotency-Key": action.key },
    body: JSON.stringify(action.body),
  });
}

// Save first, then try: a crash or a lost signal between the two leaves it queued, never lost.
export async function act(path, body, label) {
  const action = { key: newKey(), path, body, label, created: new Date().toISOString() };
  await run("readwrite", (s) => s.put(action));
  await changed();
  return tryOne(action);
}

async function tryOne(action) {
  let response;
  try {
    response = await send(action);
  } catch {
    return { queued: true };
  }
  // Busy, being handled, or a service behind the portal down: keep it for the next flush.
  if (response.status >= 500 || response.status === 409 && response.headers.get("Retry-After")) {
    return { queued: true };
  }
  if (response.status === 401) return { queued: true, signedOut: true };
  await run("readwrite", (s) => s.delete(action.key));
  await changed();
  const body = await response.json().catch(() => ({}));
  return { queued: false, ok: response.ok, status: response.status, body };
}

export function flush() {
  if (!flushing) {
    flushing = (async () => {
      try {
        for (const action of await pending()) {
          const result = await tryOne(action);
          if (result.queued) break;
        }
      } finally {
        flushing = null;
      }
    })();
  }
  return flushing;
}

window.addEventListener("online", () => flush());
setInterval(() => navigator.onLine && flush(), 15000);
