"""`./hub demo referral-loop`: a hospital's referral to the network, walked to completion.

Offered to the two CVI organisations whose directory entry matches, accepted by one (withdrawn
from the other), overdue for first contact so the owner is reminded (the local stack's 5 s
level), two contact attempts, a service delivered, completed; the consent withdrawn midway.
Each step checks the party that should see it does, and the party that should not does not.
"""

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from cvihub_cli.demo import (
    HOSPITAL_KEY,
    OUTREACH_KEY,
    PEACE_KEY,
    POLICE_KEY,
    REFERRAL_STATUS_CHANGED,
    DemoResult,
    DemoStep,
    received,
    wait_for,
)
from cvihub_cli.stack_info import StackInfo

HOSPITAL, OWNER = "mercy-hospital", "safe-streets"
OTHER, POLICE = "peace-collective", "metro-police"
KEYS = {HOSPITAL: HOSPITAL_KEY, OWNER: OUTREACH_KEY, OTHER: PEACE_KEY, POLICE: POLICE_KEY}
PHONE = "+13125550187"
SERVICE = "hospital-response"
NOTE = "CASE-NOTE: left a voicemail with the aunt"
OFFER_FIELDS = {"referral_id", "urgency", "requested_services", "network", "submitted_at"}


def network_referral(consent_id: str, consented_at: datetime) -> dict[str, Any]:
    """A bedside referral to the network: hospital response, east zone, in Spanish."""
    return {
        "recipient_partner_id": "network",
        "network": {"services": [SERVICE], "zone": "east", "language": "es"},
        "patient": {
            "given_name": "Rosa",
            "family_name": "Example",
            "phone": PHONE,
            "preferred_channel": "phone",
            "preferred_language": "es",
        },
        "injury": {"mechanism": "stabbing", "injured_on": consented_at.date().isoformat()},
        "consent": {
            "consented_by": "patient",
            "consented_at": consented_at.isoformat(),
            "recipient_partner_ids": ["network"],
            "scope": ["contact", "injury"],
            "consent_id": consent_id,
        },
        "referring_contact": {"name": "M. Ortiz, trauma social worker", "phone": "+13125550100"},
        "reason": "Stab wound; the patient asks for an advocate at the bedside.",
        "requested_services": [SERVICE],
        "urgency": "emergent",
    }


class Walk:
    """The walk's HTTP calls as each party, and its steps."""

    def __init__(self, info: StackInfo, client: httpx.Client, report: Callable[[DemoStep], None]):
        self.info, self.client, self.report = info, client, report
        self.result = DemoResult()
        self.referral_id = self.consent_id = ""
        self.started = datetime.now(UTC) - timedelta(seconds=1)

    def step(self, name: str, ok: bool, detail: str) -> bool:
        self.result.steps.append(DemoStep(name, ok, detail))
        self.report(self.result.steps[-1])
        return ok

    def call(self, method: str, service: str, path: str, party: str, **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {KEYS[party]}"}
        return self.client.request(
            method, f"{self.info.urls[service]}{path}", headers=headers, **kw
        )

    def act(self, what: str, body: dict[str, Any], party: str = OWNER) -> httpx.Response:
        """POST /v1/referrals/{id}/{what} on referrals, as the owner unless told."""
        return self.call(
            "POST", "referrals", f"/v1/referrals/{self.referral_id}/{what}", party, json=body
        )

    def referral(self, party: str) -> httpx.Response:
        return self.call("GET", "referrals", f"/v1/referrals/{self.referral_id}", party)

    def deliveries(self, party: str) -> str:
        """Every webhook delivery of this referral to a party, as one text to search."""
        items = self.client.get(f"{self.info.sink_url}/received", params={"partner_id": party})
        data = [i["message"].get("data", {}) for i in items.json()]
        return json.dumps([d for d in data if d.get("referral_id") == self.referral_id])

    def events(self, party: str, match: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
        mine = lambda d: d.get("referral_id") == self.referral_id and match(d)  # noqa: E731
        return received(self.client, self.info, party, REFERRAL_STATUS_CHANGED, mine)

    def hospital_sees(self, status: str, timeout: float) -> str | None:
        """The status the hospital reads on referrals and on the FHIR Task, once both say it."""

        def both() -> str | None:
            mine = self.referral(HOSPITAL)
            task = self.call("GET", "intake", f"/fhir/Task/{self.referral_id}", HOSPITAL)
            if not (mine.status_code == task.status_code == 200):
                return None
            owner = task.json()["owner"]["identifier"]["value"]
            if (mine.json()["status"], task.json()["status"], owner) != (status, status, OWNER):
                return None
            hidden = self.call("GET", "intake", f"/fhir/Task/{self.referral_id}", OTHER)
            if hidden.status_code != 404:
                return None
            return f"referral and FHIR Task {status}, owner {owner}; {OTHER}'s Task read: 404"

        seen: str | None = wait_for(both, timeout)
        return seen


def run_referral_loop(
    info: StackInfo, *, report: Callable[[DemoStep], None], timeout: float = 20.0
) -> DemoResult:
    """Walk a network referral through the closed loop; every step reported as it happens."""
    with httpx.Client(timeout=10.0) as client:
        walk = Walk(info, client, report)
        if _offer_and_accept(walk, timeout):
            _follow_up(walk, timeout)
        return walk.result


def _offer_and_accept(w: Walk, timeout: float) -> bool:
    started = w.started
    record: dict[str, Any] = {"recipient_partner_ids": ["network"], "scope": ["contact", "injury"]}
    record |= {"purpose": "violence intervention referral", "given_at": started.isoformat()}
    consent = w.call("POST", "registry", "/v1/consents", HOSPITAL, json=record)
    ok = consent.status_code == 201
    detail = "record for `network`, contact and injury" if ok else consent.text[:200]
    if not w.step("hospital records the consent", ok, detail):
        return False
    w.consent_id = consent_id = consent.json()["consent_id"]

    def post() -> httpx.Response | None:  # intake's copy learns of the record within moments
        body = network_referral(consent_id, started)
        posted = w.call("POST", "intake", "/v1/referrals", HOSPITAL, json=body)
        unknown = posted.status_code == 422 and "consent-record-unknown" in posted.text
        return None if unknown else posted

    posted = wait_for(post, timeout)
    ok = posted is not None and posted.status_code == 202
    detail = "intake never learnt of the consent record" if posted is None else posted.text[:200]
    if not w.step("hospital posts a referral to the network", ok, detail):
        return False
    w.referral_id = posted.json()["referral_id"]

    def offered(party: str) -> bool:
        inbox = w.call("GET", "referrals", "/v1/referrals/inbox?relation=offered", party)
        ids = [i["referral_id"] for i in inbox.json()] if inbox.status_code == 200 else []
        told = w.events(party, lambda d: (d.get("offer") or {}).get("state") == "offered")
        return w.referral_id in ids and bool(told)

    both = wait_for(lambda: offered(OWNER) and offered(OTHER), timeout)
    police = w.referral(POLICE).status_code
    w.step(
        "offered to both matching CVI organisations, nobody else",
        bool(both) and police == 404,
        f"{OWNER} and {OTHER}: inbox and webhook; {POLICE}: HTTP {police}",
    )
    reads = [w.referral(p).json() for p in (OWNER, OTHER)]
    minimal = all(set(r.get("payload", {})) <= OFFER_FIELDS for r in reads)
    leaked = [p for p in (OWNER, OTHER) if PHONE in w.deliveries(p)]
    w.step(
        "an offer carries no person",
        minimal and not leaked,
        f"offer reads {sorted(reads[0].get('payload', {}))}; phone in deliveries: {leaked}",
    )
    accepted = w.act("accept", {})
    if not w.step(f"{OWNER} accepts", accepted.status_code == 200, f"HTTP {accepted.status_code}"):
        return False
    withdrawn = wait_for(
        lambda: w.events(OTHER, lambda d: (d.get("offer") or {}).get("state") == "withdrawn"),
        timeout,
    )
    other_read = w.referral(OTHER).status_code
    late = w.act("accept", {}, party=OTHER)
    w.step(
        f"{OTHER} sees it withdrawn",
        bool(withdrawn) and other_read == 404 and late.status_code == 404,
        f"webhook told; read HTTP {other_read}; a late accept HTTP {late.status_code}",
    )
    owned = w.referral(OWNER).json()
    phone = owned.get("payload", {}).get("patient", {}).get("phone")
    w.step(
        f"{OWNER} reads the patient the consent covers",
        phone == PHONE and owned["consent"]["covers_you"],
        f"contact details released: {phone == PHONE}",
    )
    seen = w.hospital_sees("accepted", timeout)
    w.step("hospital sees it accepted", seen is not None, seen or "not within the timeout")
    return True


def _follow_up(w: Walk, timeout: float) -> bool:
    def reminded(party: str) -> list[dict[str, Any]]:
        return w.events(
            party, lambda d: (d.get("deadline_missed") or {}).get("deadline") == "first-contact"
        )

    reminder = wait_for(lambda: reminded(OWNER), timeout)
    notified = (
        reminder[0]["message"]["data"]["deadline_missed"]["notify_partner_ids"] if reminder else []
    )
    sent = w.call("GET", "referrals", "/v1/referrals/sent?overdue=true", HOSPITAL).json()
    overdue = any(s.get("referral_id") == w.referral_id for s in sent)
    w.step(
        "first contact overdue: the owner is reminded",
        bool(reminder) and notified == [OWNER] and not reminded(OTHER) and overdue,
        f"reminder to {notified}; {OTHER} told nothing; hospital sees it overdue: {overdue}",
    )
    attempt = {
        "occurred_at": datetime.now(UTC).isoformat(),
        "method": "phone",
        "outcome": "no-answer",
        "note": NOTE,
    }
    first = w.act("attempts", attempt)
    w.step("contact attempt 1: no answer", first.status_code == 200, f"HTTP {first.status_code}")
    path = f"/v1/consents/{w.consent_id}/withdraw"
    withdrawn = w.call("POST", "registry", path, HOSPITAL, json={})
    state = withdrawn.json().get("status") if withdrawn.status_code == 200 else withdrawn.text
    w.step("hospital withdraws the consent", state == "revoked", f"consent record: {state}")

    def hidden() -> dict[str, Any] | None:
        read = w.referral(OWNER).json()
        gone = PHONE not in json.dumps(read.get("payload")) and "Rosa" not in json.dumps(read)
        return read if gone else None

    after = wait_for(hidden, timeout)
    hospital = w.referral(HOSPITAL).json()
    w.step(
        f"from then on {OWNER} reads no patient; status and history remain",
        after is not None
        and not after["consent"]["covers_you"]
        and bool(after["history"])
        and hospital["payload"]["patient"]["phone"] == PHONE,
        f"withheld {sorted(after['withheld'])[:3]}...; reason: {after['consent']['reason']}"
        if after
        else "the patient is still shown",
    )
    now = datetime.now(UTC)
    second = w.act(
        "attempts", {"occurred_at": now.isoformat(), "method": "bedside", "outcome": "reached"}
    )
    w.step("contact attempt 2: reached", second.status_code == 200, f"HTTP {second.status_code}")
    engaged = w.act("status", {"status": "in-progress", "reason": "client-engaged", "note": "met"})
    service = w.act("services", {"service_type": SERVICE, "service_date": now.date().isoformat()})
    w.step(
        "a service delivered",
        engaged.status_code == 200 and service.status_code == 200,
        f"in-progress HTTP {engaged.status_code}, service HTTP {service.status_code}",
    )
    done = w.act("status", {"status": "completed", "reason": "services-delivered", "note": "ok"})
    w.step("completed", done.status_code == 200, f"HTTP {done.status_code}")
    seen = w.hospital_sees("completed", timeout)
    mine = w.referral(HOSPITAL).json()
    steps = [h["to_status"] for h in mine.get("history", [])]
    kinds = [a["kind"] for a in mine.get("activities", [])]
    told = wait_for(
        lambda: len(w.events(HOSPITAL, lambda d: bool(d.get("activity")))) >= 3, timeout
    )
    notes = NOTE in json.dumps(mine) or NOTE in w.deliveries(HOSPITAL)
    w.step(
        "hospital sees each step, not the receiver's case notes",
        seen is not None
        and steps == ["requested", "accepted", "in-progress", "completed"]
        and kinds.count("contact-attempt") == 2
        and "service-delivered" in kinds
        and bool(told)
        and not notes
        and mine.get("first_contact_at") is not None,
        f"{seen}; history {steps}; activities {kinds}; case note shown: {notes}",
    )
    leaked = [p for p in (OWNER, OTHER) if PHONE in w.deliveries(p)]
    w.step(
        "no delivery to an organisation carried the patient", not leaked, f"carried it: {leaked}"
    )
    return _aggregates(w)


def _aggregates(w: Walk) -> bool:
    since = w.started.isoformat()  # the walk's referral only (the hub may hold others)
    rows = {}
    for party in (HOSPITAL, OWNER, OTHER):
        read = w.call("GET", "referrals", "/v1/aggregates", party, params={"since": since})
        rows[party] = read.json() if read.status_code == 200 else {}
    cells = rows[HOSPITAL].get("by_organisation", {}).get(OWNER, {})
    suppressed = bool(cells) and all(v is None or v == 0 for v in cells.values())
    person = any(PHONE in json.dumps(r) or "Rosa" in json.dumps(r) for r in rows.values())
    return w.step(
        "aggregates show the walk, small counts suppressed, no person",
        suppressed
        and cells.get("total") is None
        and OWNER not in rows[OTHER].get("by_organisation", {})
        and rows[HOSPITAL]["time_to_acceptance"]["median_seconds"] is None
        and not person,
        f"{OWNER}: {cells}; {OTHER} reads only its own",
    )
