"""The data that decides routing and due times, loaded once at start-up.

Agencies themselves are read from the database in each unit of work (they can be edited); the
routing rules are checked at start-up against the directory file they were written for.
"""

from __future__ import annotations

from dataclasses import dataclass

from contracts import Sector, Urgency

from ..domain.agencies import Agency, AgencyDirectory
from ..domain.codes import subcategory_of
from ..domain.routing import RoutingRules
from ..domain.sla import SlaClock, SlaPolicy, zone_for_region


@dataclass(frozen=True)
class ReferralPolicy:
    rules: RoutingRules
    sla: SlaPolicy
    startup_directory: AgencyDirectory  # the directory the rules were checked against

    def clock(self, agency: Agency, sector: Sector, need_codes: tuple[str, ...] | list[str],
              urgency: Urgency) -> SlaClock:
        """The SLA clock of a referral to `agency`: the first need's subcategory decides."""
        subcategory = subcategory_of(need_codes[0]) if need_codes else None
        return self.sla.clock_for(sector, subcategory, urgency,
                                  zone_for_region(agency.region_code))
