"""The same demography, onset, progression and follow-up logic written the idiomatic Mesa way: one
``mesa.Agent`` per patient, ``model.agents.shuffle_do("step")`` each week. Used only to measure how
much faster the numba kernels are per patient-week; it mirrors the kernels' rules and tables (the
random draws differ: Mesa agents use the model's generator)."""

from __future__ import annotations

import mesa

from territoire.model.demography import MAX_AGE_INDEX

WEEKS = 52


class PatientAgent(mesa.Agent):
    def __init__(self, model, age_weeks, sex, stage, weeks_since):
        super().__init__(model)
        self.age_weeks = int(age_weeks)
        self.sex = int(sex)
        self.stage = [int(s) for s in stage]
        self.weeks_since = [int(w) for w in weeks_since]
        self.alive = True
        self.followup_due = False

    def step(self):
        m = self.model
        rng = m.random
        if not self.alive:  # a newborn takes the place
            self.alive, self.age_weeks, self.stage, self.weeks_since = (
                True,
                0,
                [0, 0, 0, 0],
                [0, 0, 0, 0],
            )
        self.age_weeks += 1
        age = min(self.age_weeks // WEEKS, MAX_AGE_INDEX)
        combo = self.stage[0] + 4 * self.stage[1] + 16 * self.stage[2] + 64 * self.stage[3]
        if rng.random() < m.death_table[self.sex, age, combo]:
            self.alive = False
            return
        u = rng.random()  # onset: one draw, one window per disease
        d = int(u * 4)
        if self.stage[d] == 0:
            row = 4 if (d == 1 and self.stage[0] > 0) else d
            if u - d * 0.25 < min(m.onset_table[row, self.sex, age], 0.25):
                self.stage[d] = 2 if rng.random() < m.onset_stage2[d] else 1
                self.weeks_since[d] = 0
        self.followup_due = False
        for d in range(4):  # progression and follow-up
            s = self.stage[d]
            if s == 0:
                continue
            fu = int(m.followup_weeks[d, s])
            overdue = fu > 0 and self.weeks_since[d] > 1.5 * fu
            bad = 2.0 if overdue else 1.0
            u = rng.random()
            if s == 1 and u < m.worsen[d] * bad / WEEKS:
                self.stage[d] = 2
            elif s == 2:
                pc = m.complicate[d] * bad / WEEKS
                pr = 0.0 if overdue else m.regain[d] / WEEKS
                if u < pc:
                    self.stage[d] = 3
                elif u < pc + pr:
                    self.stage[d] = 1
            if fu > 0:
                self.weeks_since[d] += 1
                if self.weeks_since[d] >= fu:
                    self.followup_due = True
                    self.weeks_since[d] = 0  # seen (this reference has no capacity constraint)


class MesaPatientsModel(mesa.Model):
    """Patients copied from a ``TerritoryModel``; the tables are the kernels' own."""

    def __init__(self, territory_model, n: int, seed: int = 1):
        super().__init__(rng=seed)
        tm = territory_model
        self.death_table, self.onset_table = tm.death_table, tm.onset_table
        self.onset_stage2 = tm.dtables["onset_stage2_share"]
        self.followup_weeks = tm.ctables["followup_weeks"]
        self.worsen, self.regain, self.complicate = (
            tm.dtables["worsen"],
            tm.dtables["regain"],
            tm.dtables["complicate"],
        )
        p = tm.patients
        for i in range(min(n, len(p))):
            PatientAgent(self, p.age_weeks[i], p.sex[i], p.stage[i], p.weeks_since_followup[i])

    def step(self):
        self.agents.shuffle_do("step")


def kernel_subset_step(tm, week):
    """The numba kernels of the same stages (demography, onset, progression, demand) for one week,
    fused."""
    tm._patient_stages(week, tm.gp_arrays())
