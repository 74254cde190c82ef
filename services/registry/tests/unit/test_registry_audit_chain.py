"""The audit hash chain: intact chains pass, every kind of tampering is caught and located."""

import hashlib
import json

from registry_audit_builders import edited, head_of, make_audit_entry, make_chain

from cvihub_registry.audit.chain import GENESIS_HASH, AuditHead, entry_hash, verify_chain


def test_an_intact_chain_verifies_against_its_head() -> None:
    entries = make_chain(5)
    result = verify_chain(entries, head_of(entries))
    assert (result.ok, result.checked, result.first_bad_id, result.reason) == (True, 5, None, None)
    assert entries[0].prev_hash == GENESIS_HASH
    assert verify_chain([], AuditHead(last_id=0, last_hash=GENESIS_HASH)).ok


def test_the_hash_covers_a_canonical_json_of_every_field() -> None:
    entry = make_audit_entry(detail={"b": 1, "a": "é"})
    canonical = json.dumps(
        {
            "id": 1,
            "at": entry.at.isoformat(timespec="microseconds"),
            "actor": "admin",
            "action": "partner.created",
            "entity_id": "mercy-hospital",
            "detail": {"a": "é", "b": 1},
            "prev_hash": GENESIS_HASH,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    assert entry.entry_hash == hashlib.sha256(canonical.encode()).hexdigest()
    # A naive time is UTC (SQLite drops the zone) and hashes the same as the aware one.
    naive = entry_hash(
        id=1,
        at=entry.at.replace(tzinfo=None),
        actor="admin",
        action="partner.created",
        entity_id="mercy-hospital",
        detail={"a": "é", "b": 1},
        prev_hash=GENESIS_HASH,
    )
    assert naive == entry.entry_hash


def test_an_edited_detail_or_actor_is_found_at_that_entry() -> None:
    entries = make_chain(5)
    for change in ({"detail": {"n": 99}}, {"actor": "someone-else"}, {"entity_id": None}):
        tampered = [*entries[:2], edited(entries[2], **change), *entries[3:]]
        result = verify_chain(tampered, head_of(entries))
        assert (result.ok, result.first_bad_id, result.checked) == (False, 3, 2)
        assert "edited" in (result.reason or "")


def test_an_edit_that_rehashes_the_entry_breaks_the_next_link() -> None:
    entries = make_chain(5)
    forged = make_audit_entry(prev=entries[1], actor="someone-else")
    result = verify_chain([*entries[:2], forged, *entries[3:]], head_of(entries))
    assert (result.ok, result.first_bad_id) == (False, 4)


def test_a_deleted_middle_or_first_entry_is_found() -> None:
    entries = make_chain(5)
    middle = verify_chain([*entries[:2], *entries[3:]], head_of(entries))
    assert (middle.ok, middle.first_bad_id, middle.checked) == (False, 4, 2)
    assert "between 2 and 4 are missing" in (middle.reason or "")
    first = verify_chain(entries[1:], head_of(entries))
    assert (first.ok, first.first_bad_id, first.checked) == (False, 2, 0)


def test_a_deleted_last_entry_is_found_only_with_the_head() -> None:
    entries = make_chain(5)
    # The chain alone cannot tell a cut-off tail from a shorter log ...
    assert verify_chain(entries[:-1]).ok
    # ... the head, written in the same transaction as every append, can.
    result = verify_chain(entries[:-1], head_of(entries))
    assert (result.ok, result.first_bad_id, result.checked) == (False, 5, 4)
    assert "ends at 4" in (result.reason or "")


def test_an_entry_appended_behind_the_heads_back_is_found() -> None:
    entries = make_chain(5)
    forged = make_audit_entry(prev=entries[-1], actor="intruder")
    result = verify_chain([*entries, forged], head_of(entries))
    assert (result.ok, result.first_bad_id) == (False, 5)


def test_reordered_or_inserted_entries_are_found() -> None:
    entries = make_chain(5)
    swapped = verify_chain([entries[0], entries[2], entries[1], *entries[3:]], head_of(entries))
    assert (swapped.ok, swapped.first_bad_id) == (False, 3)
    # Swapping contents but keeping the ids in order breaks the hashes, which cover the id.
    renumbered = [
        entries[0],
        edited(entries[2], id=2, prev_hash=entries[0].entry_hash),
        edited(entries[1], id=3),
        *entries[3:],
    ]
    assert verify_chain(renumbered, head_of(entries)).first_bad_id == 2
    inserted = make_audit_entry(prev=entries[1], action="grant.created")
    result = verify_chain([*entries[:2], inserted, *entries[2:]], head_of(entries))
    assert (result.ok, result.first_bad_id) == (False, 3)
    assert "out of order" in (result.reason or "")


def test_the_last_hash_must_match_the_head() -> None:
    entries = make_chain(3)
    result = verify_chain(entries, AuditHead(last_id=3, last_hash="f" * 64))
    assert (result.ok, result.first_bad_id) == (False, 3)
