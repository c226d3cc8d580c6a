"""Why a case waits for the back office: the reasons behind its place in the back-office queue.

A case that is open or referred needs the back office when

- `unrouted`: some of its needs had no agency configured (`NoAgencyConfigured`), and nobody
  has referred them by hand yet;
- `rejected`: an agency rejected a referral and it has not been rerouted;
- `returned`: an agency asked for more information and waits for the answer;
- `outcome_pending`: no referral is running (none was made, or all have ended), so the back
  office must refer, handle it at the Puskesos, or inform the complainant and close.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from contracts.vocabulary import ReferralStatus

from .case import Case, CaseStatus


class Attention(StrEnum):
    UNROUTED = "unrouted"
    REJECTED = "rejected"
    RETURNED = "returned"
    OUTCOME_PENDING = "outcome_pending"


def attention(case: Case, unrouted_needs: Sequence[str]) -> list[Attention]:
    """Every reason the back office must act on `case` now (empty: nothing to do)."""
    if case.status not in (CaseStatus.OPEN, CaseStatus.REFERRED):
        return []
    reasons: list[Attention] = []
    if unrouted_needs:
        reasons.append(Attention.UNROUTED)
    referrals = case.referrals.values()
    if any(r.status is ReferralStatus.REJECTED and r.referral_id not in case.rerouted
           for r in referrals):
        reasons.append(Attention.REJECTED)
    if any(r.status is ReferralStatus.RETURNED for r in referrals):
        reasons.append(Attention.RETURNED)
    if case.all_referrals_ended:
        reasons.append(Attention.OUTCOME_PENDING)
    return reasons
