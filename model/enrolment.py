"""Stage 1, policy (its weekly mechanism): enrolment in telemonitoring and in the coordinated care
programme, refreshed every fourth week from the coverage the levers set (``model.policy``).

Who is covered is decided by one fixed draw per patient slot (``TerritoryModel.policy_draws``,
drawn at week 0): raising a coverage adds patients, never reshuffles those already in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from territoire.model import draws

if TYPE_CHECKING:
    from territoire.model.model import TerritoryModel

# enrolments follow the patients' stages monthly (assumption: a care team's rhythm)
REFRESH_WEEKS = 4


def refresh_enrolments(model: TerritoryModel) -> None:
    """Telemonitoring: stage >= 2 of a covered disease. Programme: diagnosed (treated) patients of a
    covered disease."""
    pol, p = model.policy, model.patients
    if pol.telemonitoring_coverage.any() or p.telemonitored.any():
        u = model.policy_draws(draws.TELEMONITORING)
        on = np.zeros(len(p), bool)
        for d in np.flatnonzero(pol.telemonitoring_coverage):
            known = ~p.undiagnosed[:, d]
            on |= known & (p.stage[:, d] >= 2) & (u < pol.telemonitoring_coverage[d])
        p.telemonitored[:] = on & p.alive
    if pol.programme_coverage.any() or p.enrolled.any():
        u = model.policy_draws(draws.PROGRAMME)
        on = np.zeros(len(p), bool)
        for d in np.flatnonzero(pol.programme_coverage):
            # treated: a silent stage 2 is not, nor an undiagnosed case
            diagnosed = model.treated_stage[d, p.stage[:, d]] & ~p.undiagnosed[:, d]
            on |= diagnosed & (u < pol.programme_coverage[d])
        p.enrolled[:] = on & p.alive
