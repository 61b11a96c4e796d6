"""The dashboard's weekly series are extended week by week: the result must equal a full rebuild."""

import pandas as pd

from territoire import dashboard as db
from territoire.model.model import TerritoryModel


def test_key_series_extended_week_by_week_equals_a_full_rebuild(small_territory):
    model = TerritoryModel(seed=4, territory=small_territory)
    for weeks in (3, 1, 9):  # asked after 3, 4 and 13 weeks
        model.run(weeks)
        extended = db.key_series(model)
    keys = ["unit", "indicator", "week"]
    full = db._key_series(model).sort_values(keys).reset_index(drop=True)
    pd.testing.assert_frame_equal(extended.sort_values(keys).reset_index(drop=True), full)
    assert sorted(extended["week"].unique()) == list(range(13))
    model.start_policy()  # a new recorder: the series start again
    model.run(2)
    assert sorted(db.key_series(model)["week"].unique()) == [0, 1]
