"""Dictionary terms read through the real NLP stage and coder: who a term names, and what it is coded as."""


def test_code_regime_artillery_is_the_state_military(code_text):
    rows = code_text("On Monday, regime artillery shelling on the town of Ariha killed two women, "
                     "the Observatory said.", "2019-06-11")
    assert len(rows) == 1 and rows.iloc[0]["actor1_kind"] == "military"


def test_code_armed_wing_is_coded_as_its_organisation(code_text):
    rows = code_text("Militants from the Katiba Macina attacked an army post near Tenenkou on Sunday, "
                     "killing four soldiers, the army said.")
    assert len(rows) == 1 and rows.iloc[0]["actor1_group"].startswith("JNIM")
