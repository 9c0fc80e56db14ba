"""The advice dialogue's contract: the flowchart's key questions in order, and its outcomes."""

from __future__ import annotations

CONTRACT_STEPS = [
    "immediate_danger",
    "about_whom",
    "age_band",
    "legitimate_purpose",
    "statutory_duty",
    "identifiable",
    "confidential",
    "consent",
    "safe_to_seek_consent",
    "public_interest",
]
CONTRACT_OUTCOMES = {
    "refer_now",
    "do_not_share",
    "seek_advice",
    "must_share",
    "share_anonymised",
    "share",
    "share_with_consent",
    "seek_consent",
    "share_without_consent",
}
