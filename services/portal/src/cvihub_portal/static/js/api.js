// Reads from the portal API; the service worker keeps the last answer for when there is no signal.
export class HttpError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || String(status));
    this.status = status;
    this.problem = problem;
  }
}
export async function get(path) {
  const response = await fetch(path, { credentials: "same-origin" });
  if (!response.ok) throw new HttpError(response.status, await response.json().catch(() => ({})));
  return { body: await response.json(), savedAt: response.headers.get("X-Saved-At") };
}
export async function post(path, body, method = "POST") {
  const response = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-Portal": "1" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = response.status === 204 ? {} : await response.json().catch(() => ({}));
  if (!response.ok) throw new HttpError(response.status, answer);
  return answer;
}
