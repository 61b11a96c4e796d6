"""Accessibilité potentielle localisée (APL) to general practitioners, the DREES method.

Two-step floating catchment over communes (DREES, "L'accessibilité potentielle localisée", GP
sheets; parameters in ``scenarios/data/apl_method.csv``):

1. each GP's yearly consultations and visits are *counted*: 0 under 250 acts, 3,600 from 251 to
   3,600, as performed from 3,601 to 6,000, 6,000 above; a newly installed GP is imputed 5,400;
2. the counted supply of commune j is divided by the standardised population that reaches j,
   ``R_j = S_j / Σ_k w(t_kj) · P_k``, with the distance decay ``w`` = 1 under 10 min, 2/3 from 10 to
   15, 1/3 from 15 to 20, 0 from 20 min;
3. ``APL_i = Σ_j w(t_ij) · R_j``: consultations per standardised inhabitant per year.

``P_k`` is the standardised population: inhabitants weighted by the relative GP consumption of their
5-year age band (DREES weights, 2023).
"""

from __future__ import annotations

import numpy as np

from territoire.scenarios.datafiles import apl_age_weights

#: Distance-decay bands (minutes, upper bound exclusive) and weights; source: DREES APL workbook.
DECAY_BOUNDS_MIN = np.array([10.0, 15.0, 20.0])
DECAY_WEIGHTS = np.array([1.0, 2.0 / 3.0, 1.0 / 3.0, 0.0])

# source: DREES APL method, activity imputed to a newly installed GP
NEW_GP_IMPUTED_ACTIVITY = 5_400.0
UNDERSERVED_APL = 2.5  # source: DREES/ARS usage, a commune under 2.5 is "sous-dense"


def distance_decay(minutes: np.ndarray) -> np.ndarray:
    """DREES decay weight for each travel time in minutes."""
    return DECAY_WEIGHTS[
        np.searchsorted(DECAY_BOUNDS_MIN, np.asarray(minutes, dtype=float), side="right")
    ]


def counted_activity(activity: np.ndarray, newly_installed: np.ndarray | None = None) -> np.ndarray:
    """Yearly acts counted per GP by the APL (DREES activity rule)."""
    a = np.asarray(activity, dtype=float)
    counted = np.where(a <= 250, 0.0, np.where(a <= 3_600, 3_600.0, np.minimum(a, 6_000.0)))
    if newly_installed is not None:
        counted = np.where(np.asarray(newly_installed, bool), NEW_GP_IMPUTED_ACTIVITY, counted)
    return counted


def standardised_population(
    age_counts_5y: np.ndarray, weights: np.ndarray | None = None
) -> np.ndarray:
    """Standardised population per commune from counts by 5-year band (shape communes × 19)."""
    w = apl_age_weights(2023).to_numpy() if weights is None else np.asarray(weights, float)
    return np.asarray(age_counts_5y, float) @ w


def apl_by_commune(
    travel_min: np.ndarray,
    std_population: np.ndarray,
    gp_commune: np.ndarray,
    gp_activity: np.ndarray,
    gp_newly_installed: np.ndarray | None = None,
) -> np.ndarray:
    """APL of every commune (consultations per standardised inhabitant per year)."""
    n = travel_min.shape[0]
    supply = np.bincount(
        np.asarray(gp_commune, np.int64),
        weights=counted_activity(gp_activity, gp_newly_installed),
        minlength=n,
    )
    decay = distance_decay(travel_min)  # decay[i, j]: residents of i using GPs in j
    demand_reaching = decay.T @ np.asarray(std_population, float)  # Σ_k w(t_kj) P_k for each j
    ratio = np.divide(supply, demand_reaching, out=np.zeros(n), where=demand_reaching > 0)
    return decay @ ratio


def weighted_mean(
    values: np.ndarray, weights: np.ndarray, groups: np.ndarray, n_groups: int
) -> np.ndarray:
    """Mean of ``values`` weighted by ``weights`` within each group (e.g. EPCI APL by standardised
    population)."""
    num = np.bincount(groups, weights=values * weights, minlength=n_groups)
    den = np.bincount(groups, weights=weights, minlength=n_groups)
    return np.divide(num, den, out=np.full(n_groups, np.nan), where=den > 0)


def share_underserved(
    apl: np.ndarray, population: np.ndarray, threshold: float = UNDERSERVED_APL
) -> float:
    """Share of inhabitants living in communes whose APL is under ``threshold``."""
    population = np.asarray(population, float)
    return float(population[apl < threshold].sum() / population.sum())
