"""Default providers for a territory without a providers file: a documented placement rule.

No per-commune GP, pharmacy or MSP counts are available offline (RPPS/FINESS), so the default is
synthetic but calibrated:

1. **GPs per EPCI**: ``round(target APL × standardised population ÷ mean activity)``; the target is
   the EPCI's DREES APL 2023 (``apl_targets.csv``), or the national mean for other territories.
2. **Where**: in the *bourgs-centres*, communes of at least ``candidate_min_population`` inhabitants
   (the largest commune if an EPCI has none). Each commune's people are counted in the basin of the
   nearest bourg of its EPCI (by road minutes), and the EPCI's GPs are shared between bourgs by the
   D'Hondt rule on basin population. Known practices (the MSP of Herbitzheim, 3 GPs) are placed
   first.
3. **Activity**: each GP draws an activity around ``mean_gp_activity``; a per-EPCI factor is then
   adjusted by fixed-point iteration until the model's own APL matches the EPCI target (±0.05),
   a GP being added or removed when the activity caps (3,601 … 6,000) cannot reach it.
4. **Pharmacies**: one per ``inhabitants_per_pharmacy`` over bourgs of at least
   ``pharmacy_min_population`` inhabitants, by D'Hondt on basin population.
5. **Specialists** at the local hospital and at Strasbourg, one CPTS per group of EPCIs, hospitals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from territoire.model.apl import apl_by_commune, weighted_mean
from territoire.model.rng import stream
from territoire.model.territory import Territory
from territoire.model.validation import (
    NON_NEGATIVE,
    POSITIVE,
    PROBABILITY,
    check_fields,
    fail,
    number,
    record,
    rows,
    sums_to_one,
    text,
)
from territoire.scenarios.datafiles import epci_apl_targets

NATIONAL_APL_2023 = 3.7446  # source: DREES APL 2023, France excluding Mayotte (apl_targets.csv)


def _gp_age_bands(value: Any, where: str) -> None:
    """``((from age, to age, share), …)``: ages drawn uniformly within a band drawn by its share."""
    age = number(NON_NEGATIVE)
    rows(record(("from", age), ("to", age), ("share", number(PROBABILITY))), min_rows=1)(
        value, where
    )
    for i, (lo, hi, _) in enumerate(value):
        if lo > hi:
            raise fail(f"{where}[{i}]", "a band with from <= to", value[i])
    sums_to_one((share for *_, share in value), where, value)


@dataclass(frozen=True, slots=True)
class PlacementParams:
    # assumption: consultations + visits per GP-year (DREES caps counted activity at 6,000)
    mean_gp_activity: float = 4_800.0
    gp_activity_sigma: float = 0.12  # assumption: log-normal spread of activity between GPs
    candidate_min_population: int = 1_000  # assumption: smallest bourg hosting a GP practice
    # assumption given in the territory issue (~1 pharmacy per 3,500 inhabitants)
    inhabitants_per_pharmacy: float = 3_500.0
    pharmacy_min_population: int = 900  # assumption: smallest commune with a pharmacy
    part_time_share: float = 0.2  # assumption: share of GPs working 0.8 FTE
    # assumption: médecin-traitant list size per FTE (gives ~10 % without one, Cnam order of
    # magnitude)
    list_cap_per_fte: int = 1_200
    # assumption after DREES demography (about a third of rural GPs are 60+): (from age, to age,
    # share)
    gp_age_bands: tuple[tuple[int, int, float], ...] = (
        (30, 40, 0.20),
        (40, 50, 0.22),
        (50, 60, 0.24),
        (60, 65, 0.16),
        (65, 72, 0.18),
    )
    # known practices: (INSEE, name, GPs); source: Radio Mélodie 6 Oct 2020 (epi_cost_reference.csv)
    msp_sites: tuple[tuple[str, str, int], ...] = (("67191", "MSP d'Herbitzheim", 3),)
    # CH Sainte-Catherine, Saverne; elsewhere: the territory's most populous commune
    local_hospital: str = "67437"
    # assumption: specialist FTE serving the territory (site, specialty, FTE); "local" is the local
    # hospital, "pole" the external pole with specialists (Strasbourg for the embedded territory)
    specialists: tuple[tuple[str, str, float], ...] = (
        ("local", "cardiology", 2.0),
        ("local", "pulmonology", 1.0),
        ("local", "endocrinology", 1.0),
        ("local", "rheumatology", 1.0),
        ("pole", "cardiology", 4.0),
        ("pole", "pulmonology", 2.5),
        ("pole", "endocrinology", 2.0),
        ("pole", "rheumatology", 2.0),
    )
    # assumption: consultations per specialist FTE-year
    specialist_activity_per_fte: float = 4_000.0
    # assumption: share of solo GPs who joined their CPTS (MSP GPs all do)
    cpts_member_share: float = 0.3
    calibration_tolerance: float = 0.05

    def __post_init__(self) -> None:
        # imported here: providers imports Mesa, which the CLI imports first its own way
        # (mesa_import)
        from territoire.agents.providers import Specialty

        population = number(NON_NEGATIVE, integer=True)
        check_fields(
            self,
            {
                "mean_gp_activity": number(POSITIVE),
                "gp_activity_sigma": number(NON_NEGATIVE),
                "candidate_min_population": population,
                "inhabitants_per_pharmacy": number(POSITIVE),  # a divisor
                "pharmacy_min_population": population,
                "part_time_share": number(PROBABILITY),
                "list_cap_per_fte": number(POSITIVE, integer=True),
                "gp_age_bands": _gp_age_bands,
                # none: no known practice (another territory)
                "msp_sites": rows(
                    record(
                        ("INSEE code", text()),
                        ("name", text()),
                        ("GPs", number(POSITIVE, integer=True)),
                    )
                ),
                "local_hospital": text(),
                # site: "local", "pole" or a commune code; none: no specialist
                "specialists": rows(
                    record(
                        ("site", text()),
                        ("specialty", text(tuple(s.value for s in Specialty))),
                        ("FTE", number(POSITIVE)),
                    )
                ),
                "specialist_activity_per_fte": number(POSITIVE),
                "cpts_member_share": number(PROBABILITY),
                # the calibration stops once every EPCI is within it: zero could never be met
                "calibration_tolerance": number(POSITIVE),
            },
        )


def dhondt(seats: int, weights: np.ndarray, start: np.ndarray | None = None) -> np.ndarray:
    """Share ``seats`` between places by the D'Hondt highest-averages rule (ties to the lower
    index)."""
    alloc = np.zeros(len(weights), np.int64) if start is None else start.astype(np.int64).copy()
    weights = np.asarray(weights, float)
    for _ in range(max(0, seats - int(alloc.sum()))):
        alloc[np.argmax(weights / (alloc + 1))] += 1
    return alloc


def basin_population(
    territory: Territory, candidates: np.ndarray, population: np.ndarray
) -> np.ndarray:
    """Population of each candidate's basin: communes of its EPCI whose nearest candidate it is."""
    epci = territory.epci_index
    basin = np.zeros(territory.n_communes)
    for c in range(territory.n_communes):
        same = candidates[epci[candidates] == epci[c]]
        pool = same if same.size else candidates
        nearest = pool[np.argmin(territory.travel_min[c, pool])]
        basin[nearest] += population[c]
    return basin


def bourgs_centres(territory: Territory, min_population: int) -> np.ndarray:
    """Communes of at least ``min_population`` inhabitants, plus the largest commune of any EPCI
    without one."""
    pop = territory.population
    chosen = set(np.flatnonzero(pop >= min_population).tolist())
    epci = territory.epci_index
    for e in np.unique(epci):
        members = np.flatnonzero(epci == e)
        if not chosen & set(members.tolist()):
            chosen.add(int(members[np.argmax(pop[members])]))
    return np.array(sorted(chosen))


def _epci_targets(territory: Territory) -> np.ndarray:
    by_name = epci_apl_targets(2023)
    names = territory.epci_names
    return np.array([by_name.get(names[code], NATIONAL_APL_2023) for code in territory.epci_codes])


def _gp_rows_for_counts(territory, counts, msp_counts, params, rng_ages, rng_act):
    rows = []
    codes = territory.codes
    names = territory.communes["name"].tolist()
    for c in np.flatnonzero(counts):
        for k in range(int(counts[c])):
            practice = "msp" if k < msp_counts[c] else "solo"
            rows.append(
                {
                    "type": "gp",
                    "name": f"Dr {names[c]} {k + 1}",
                    "commune": codes[c],
                    "practice": practice,
                }
            )
    n = len(rows)
    bands = params.gp_age_bands
    band = rng_ages.choice(len(bands), size=n, p=[s for *_, s in bands])
    ages = np.array([rng_ages.uniform(bands[b][0], bands[b][1]) for b in band])
    fte = np.where(rng_ages.random(n) < params.part_time_share, 0.8, 1.0)
    base = (
        params.mean_gp_activity
        * fte
        * np.exp(
            params.gp_activity_sigma * rng_act.standard_normal(n) - params.gp_activity_sigma**2 / 2
        )
    )
    return rows, np.round(ages, 1), fte, base


def default_providers(
    territory: Territory,
    std_population: np.ndarray,
    seed: int,
    params: PlacementParams | None = None,
) -> pd.DataFrame:
    """The default providers table (same columns as a providers file), APL-calibrated per EPCI."""
    params = params or PlacementParams()
    pop = territory.population
    epci = territory.epci_index
    n_epci = len(territory.epci_codes)
    targets = _epci_targets(territory)
    codes = territory.codes
    index = {code: k for k, code in enumerate(codes)}

    bourgs = bourgs_centres(territory, params.candidate_min_population)
    basin = basin_population(territory, bourgs, pop)
    msp_counts = np.zeros(territory.n_communes, np.int64)
    for code, _, n_gp in params.msp_sites:
        if code in index:
            msp_counts[index[code]] = n_gp
    std_by_epci = np.bincount(epci, weights=std_population, minlength=n_epci)
    n_gp = np.maximum(1, np.round(targets * std_by_epci / params.mean_gp_activity)).astype(int)

    for _attempt in range(12):
        counts = np.zeros(territory.n_communes, np.int64)
        for e in range(n_epci):
            places = bourgs[epci[bourgs] == e]
            if places.size == 0:
                places = np.flatnonzero(epci == e)[[np.argmax(pop[epci == e])]]
            counts[places] = dhondt(
                max(n_gp[e], int(msp_counts[places].sum())), basin[places], msp_counts[places]
            )
        rows, ages, fte, base = _gp_rows_for_counts(
            territory,
            counts,
            msp_counts,
            params,
            stream(seed, "placement.gp_age"),
            stream(seed, "placement.gp_activity"),
        )
        gp_commune = np.array([index[r["commune"]] for r in rows])
        gp_epci = epci[gp_commune]
        factor = np.ones(n_epci)
        for _ in range(40):
            activity = np.clip(base * factor[gp_epci], 3_601.0, 6_000.0)
            apl = apl_by_commune(territory.travel_min, std_population, gp_commune, activity)
            epci_apl = weighted_mean(apl, std_population, epci, n_epci)
            if np.all(np.abs(epci_apl - targets) < params.calibration_tolerance / 2):
                break
            factor *= targets / np.maximum(epci_apl, 1e-9)
        error = epci_apl - targets
        off = np.abs(error) >= params.calibration_tolerance
        if not off.any():
            break
        n_gp = n_gp - np.where(off, np.sign(error), 0).astype(int)
        n_gp = np.maximum(n_gp, 1)

    table = pd.DataFrame(rows)
    table["fte"] = fte
    table["activity"] = np.round(activity)
    table["age"] = ages
    rng = stream(seed, "placement.cpts")
    cpts_of = _cpts_groups(territory)
    member = (table["practice"] == "msp") | (rng.random(len(table)) < params.cpts_member_share)
    table["cpts"] = np.where(member, [cpts_of[epci[index[c]]] for c in table["commune"]], "")

    extra = []
    for code, name, _ in params.msp_sites:
        if code in index:
            extra.append({"type": "msp", "name": name, "commune": code})
    for e, (name, covers) in enumerate(_cpts_definitions(territory).items()):
        extra.append({"type": "cpts", "name": name, "commune": "", "covers": covers})
    pharm_places = bourgs_centres(territory, params.pharmacy_min_population)
    pharm_counts = dhondt(
        max(1, round(pop.sum() / params.inhabitants_per_pharmacy)),
        basin_population(territory, pharm_places, pop)[pharm_places],
    )
    names = territory.communes["name"].tolist()
    for c, k in zip(pharm_places, pharm_counts):
        for j in range(int(k)):
            extra.append(
                {
                    "type": "pharmacy",
                    "name": f"Pharmacie de {names[c]}" + (f" {j + 1}" if k > 1 else ""),
                    "commune": codes[c],
                    "cpts": cpts_of[epci[c]],
                }
            )
    rng = stream(seed, "placement.specialists")
    local = params.local_hospital if params.local_hospital in index else codes[int(np.argmax(pop))]
    poles = territory.poles
    with_specialists = (
        poles[poles["specialists"] == 1] if "specialists" in poles and len(poles) else poles
    )
    pole = (
        f"pole:{(with_specialists if len(with_specialists) else poles)['pole'].iloc[0]}"
        if len(poles)
        else None
    )
    for site, specialty, fte in params.specialists:
        where = {"local": local, "pole": pole}.get(site, site)
        if where is None or not (where.startswith("pole:") or where in index):
            continue
        extra.append(
            {
                "type": "specialist",
                "name": f"{specialty} {where}",
                "commune": where,
                "specialty": specialty,
                "fte": fte,
                "activity": fte * params.specialist_activity_per_fte,
                "age": round(float(rng.uniform(35, 64)), 1),
            }
        )
    extra.append({"type": "hospital", "name": f"CH de {names[index[local]]}", "commune": local})
    for pole_row in territory.poles.itertuples(index=False):
        extra.append(
            {"type": "hospital", "name": pole_row.hospital, "commune": f"pole:{pole_row.pole}"}
        )
    out = pd.concat([table, pd.DataFrame(extra)], ignore_index=True)
    for col in ("practice", "specialty", "cpts", "covers"):
        out[col] = out[col].fillna("") if col in out else ""
    return out


def _cpts_groups(territory: Territory) -> dict[int, str]:
    """EPCI index → name of the CPTS covering it."""
    out = {}
    for name, covers in _cpts_definitions(territory).items():
        for code in covers.split():
            out[territory.epci_codes.index(code)] = name
    return out


def _cpts_definitions(territory: Territory) -> dict[str, str]:
    """One CPTS for the PETR (``in_petr``), one for each other EPCI; name → covered EPCI codes."""
    c = territory.communes
    defs: dict[str, str] = {}
    if "in_petr" in c and (c["in_petr"] == 1).any():
        petr = list(dict.fromkeys(c.loc[c["in_petr"] == 1, "epci"]))
        defs["CPTS du Pays de Saverne, Plaine et Plateau"] = " ".join(petr)
    for code, name in territory.epci_names.items():
        if not any(code in v.split() for v in defs.values()):
            defs[f"CPTS {name.removeprefix('CC ').removeprefix('de la ').removeprefix('du ')}"] = (
                code
            )
    return defs


def reference_bassins(territory: Territory) -> dict[str, float]:
    """CartoSanté APL of the bassins de vie whose centre commune is in the territory."""
    from territoire.scenarios.datafiles import bassin_de_vie_apl

    return {code: v for code, v in bassin_de_vie_apl().items() if code in set(territory.codes)}


def bassin_apl(territory: Territory, apl: np.ndarray, std_population: np.ndarray) -> pd.DataFrame:
    """Model APL of approximate bassins de vie (each commune to its nearest centre) against
    CartoSanté.

    The real bassins cross the territory's boundary; this nearest-centre approximation is only a
    check.
    """
    ref = reference_bassins(territory)
    centres = np.array([territory.commune_index(c) for c in ref])
    if centres.size == 0:
        return pd.DataFrame(columns=["centre", "name", "model_apl", "cartosante_apl"])
    nearest = centres[np.argmin(territory.travel_min[:, centres], axis=1)]
    group = np.searchsorted(np.sort(centres), nearest)
    order = np.sort(centres)
    model = weighted_mean(apl, std_population, group, len(order))
    names = territory.communes["name"].to_numpy()
    return pd.DataFrame(
        {
            "centre": [territory.codes[c] for c in order],
            "name": names[order],
            "model_apl": np.round(model, 2),
            "cartosante_apl": [ref[territory.codes[c]] for c in order],
        }
    )
