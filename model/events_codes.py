"""Bit flags of what happened to a patient during the current week (``model.event``, uint32)."""

DIED = 1 << 0  # died this week (background, disease or in hospital)
ARRIVED = 1 << 1  # newcomer (birth or arrival) filling a slot freed by a death
URGENT = 1 << 2  # had an acute episode needing care this week
FOLLOWUP = 1 << 3  # a chronic follow-up visit was due
ROUTINE = 1 << 4  # asked for a routine (non-chronic) GP visit
URGENT_GP = 1 << 5  # acute episode seen by a GP this week
URGENT_ED = 1 << 6  # acute episode sent to SAS / emergency department
FOLLOWUP_DONE = 1 << 7  # follow-up visit done (in person or tele)
ROUTINE_DONE = 1 << 8  # routine visit done (in person or tele)
FOLLOWUP_TELE = 1 << 9  # the follow-up visit was a teleconsultation
GAVE_UP = 1 << 10  # routine need given up after waiting too long (renoncement)
HOSPITALISED = 1 << 11  # admitted to hospital
OTHER_GP = 1 << 12  # seen by a GP other than the médecin traitant
ONSET = 1 << 13  # a new chronic disease started this week
ROUTINE_TELE = 1 << 14  # the routine visit was a teleconsultation
URGENT_TELE = 1 << 15  # acute episode seen by teleconsultation in a nursing home (lever)
TRANSPORTED = 1 << 16  # went to a GP with on-demand transport (lever)
MOBILE_VISIT = 1 << 17  # seen by the mobile "aller-vers" team (lever)
BOOTH_VISIT = 1 << 18  # teleconsultation in a pharmacy booth (lever)
# acute episode seen in the CPTS unscheduled-care rota (SAS / soins non programmés, lever)
SNP_VISIT = 1 << 19
DIAGNOSED = 1 << 20  # a disease was diagnosed (at a contact with care or a hospital stay)
# has a disease not diagnosed yet (set by the demand stage: the later stages of the week read the
# undiagnosed array only for these patients)
HAS_UNDIAGNOSED = 1 << 21
# the flags the indicators count (a patient with none of them this week skips that part)
COUNTED = ~HAS_UNDIAGNOSED & 0xFFFFFFFF

DEMAND = URGENT | FOLLOWUP | ROUTINE
