"""GTD target types and the side attacked, on short articles written for these tests (real NLP stage and coder,
no geocoding)."""


def test_target_car_bomb_is_the_weapon_and_the_station_outside_it_the_target(code_text):
    rows = code_text((
        "A car bomb exploded outside the police station in Pattani late on Monday, wounding six people, "
        "officials said. Security forces sealed off the area."), published="2021-05-11")
    assert len(rows) == 1
    assert rows.iloc[0]["target_type"] == "Police"
    assert rows.iloc[0]["actor2_kind"] == "police"


def test_target_car_packed_with_explosives_is_the_weapon(code_text):
    rows = code_text((
        "A car packed with explosives blew up outside a primary school in the town of Jamame on Friday, killing "
        "four children, witnesses said. Soldiers cordoned off the area."), published="2021-05-15")
    assert len(rows) == 1
    assert rows.iloc[0]["target_type"] == "Educational Institution"
    assert rows.iloc[0]["actor2_kind"] == "civilians"


def test_target_words_inside_an_adjectives_complement_describe_the_head(code_text):
    rows = code_text((
        "A suicide bomber blew himself up at the gate of a hotel popular with government officials in "
        "Mogadishu on Sunday, killing nine people, police said."), published="2021-05-17")
    assert len(rows) == 1
    assert rows.iloc[0]["target_type"] == "Business"
    assert rows.iloc[0]["actor2_kind"] == "civilians"


def test_target_protesters_shot_by_police_are_private_citizens_attacked_by_the_police(code_text):
    rows = code_text((
        "Police opened fire on demonstrators marching on the governor's office in Kisumu on Tuesday, killing "
        "three people, witnesses said."), published="2023-07-12")
    assert len(rows) == 1
    row = rows.iloc[0]
    assert row["sub_event_type"] == "Excessive force against protesters"
    assert (row["actor1_kind"], row["actor2_kind"], row["perpetrator_kind"]) == ("police", "protesters", "police")
    assert (row["target_type"], row["attack_type"]) == ("Private Citizens & Property", "Armed Assault")


def test_target_a_killing_by_gunmen_is_not_force_against_protesters(code_text):
    rows = code_text((
        "Journalist shot dead in Larkana; colleagues protest\n\n"
        "LARKANA: A local journalist was shot dead by unidentified assailants in Larkana on Monday night, "
        "police said."), published="2023-07-12")
    assert len(rows) == 1
    assert rows.iloc[0]["sub_event_type"] == "Attack"
    assert rows.iloc[0]["target_type"] == "Journalists & Media"


def test_target_people_named_only_as_people_take_the_type_of_the_vehicle_they_were_in(code_text):
    rows = code_text((
        "Gunmen stopped two passenger buses on the highway near Kunduz on Monday and abducted about 20 people, "
        "officials said."), published="2023-07-12")
    assert len(rows) == 1
    assert rows.iloc[0]["target_type"] == "Transportation"


def test_target_the_dead_named_as_worshippers_make_a_religious_target(code_text):
    rows = code_text((
        "A suicide bomber blew himself up in a gathering in Peshawar on Friday. Police said 12 worshippers "
        "were killed and 30 people were wounded."), published="2023-07-15")
    assert len(rows) == 1
    assert rows.iloc[0]["target_type"] == "Religious Figures/Institutions"


def test_target_a_source_named_with_another_is_still_a_source(code_text):
    rows = code_text((
        "Gunmen killed six residents in the village of Mbau on Tuesday, according to local sources and "
        "aid workers."), published="2023-07-12")
    assert len(rows) == 1
    assert rows.iloc[0]["target_type"] == "Private Citizens & Property"


def test_target_a_publisher_is_a_media_target(code_text):
    rows = code_text((
        "A publisher was hacked to death by unidentified assailants at his office in Dhaka on Saturday, "
        "police said."), published="2023-07-16")
    assert len(rows) == 1
    assert rows.iloc[0]["target_type"] == "Journalists & Media"


def test_target_a_word_describing_the_place_is_not_a_target(code_text):
    rows = code_text((
        "Russian forces shelled residential neighborhoods of the port city of Mariupol on Thursday, killing "
        "at least 12 people, local officials said."), published="2022-03-11")
    assert len(rows) == 1
    assert rows.iloc[0]["target_type"] == "Private Citizens & Property"


def test_target_a_roadside_mine_is_the_weapon_and_the_truck_it_hit_the_target(code_text):
    rows = code_text((
        "Members of a People's Defense Force detonated a roadside mine against a military truck in Madaya "
        "township on Wednesday, killing several soldiers, the group said."), published="2023-05-11")
    assert len(rows) == 1
    assert rows.iloc[0]["target_type"] == "Military"
    assert rows.iloc[0]["actor2_kind"] == "military"


def test_target_the_side_fought_with_is_the_other_side(code_text):
    rows = code_text((
        "M23 rebels seized the town of Rubaya on Friday after heavy fighting with the army, residents said."),
        published="2024-05-04")
    assert len(rows) == 1
    assert rows.iloc[0]["actor2_kind"] == "military"
    assert rows.iloc[0]["target_type"] == "Military"


def test_target_a_checkpoint_belongs_to_the_fighters_killed_there(code_text):
    rows = code_text((
        "Islamic State militants killed four SDF fighters in an attack on a checkpoint near Al-Busayrah in "
        "Deir ez-Zor province on Thursday night, a war monitor said."), published="2022-06-10")
    assert len(rows) == 1
    assert rows.iloc[0]["actor2_kind"] == "group" and rows.iloc[0]["actor2_group"].startswith("SDF")
    assert rows.iloc[0]["target_type"] == "Terrorists/Non-State Militia"


def test_target_a_town_the_state_retook_was_held_by_the_group_named(code_text):
    rows = code_text((
        "Myanmar's military said on Monday its troops had recaptured the town of Mongmit on Sunday after days of "
        "air strikes on the town. The Ta'ang National Liberation Army (TNLA) said its fighters had withdrawn."),
        published="2025-06-24")
    assert len(rows) == 1
    assert rows.iloc[0]["sub_event_type"] == "Government regains territory"
    assert rows.iloc[0]["actor2_kind"] == "group" and rows.iloc[0]["actor2_group"].startswith("TNLA")
    assert rows.iloc[0]["target_type"] == "Terrorists/Non-State Militia"


def test_target_the_tail_of_a_hyphenated_word_is_not_a_target(code_text):
    rows = code_text((
        "Insurgents came from the river at about 9pm on Sunday, firing anti-aircraft guns in Damasak. Three "
        "soldiers were killed, the army said."), published="2023-03-14")
    assert len(rows) == 1
    assert rows.iloc[0]["target_type"] == "Military"


def test_target_a_place_named_where_the_violence_is_told_comes_first(code_text):
    rows = code_text((
        "Armed men attacked in Zapopan on Thursday night. Their boss ran the extortion of businesses in the "
        "area, officials say. The gunmen stopped two city buses, ordered the passengers off and set them "
        "alight."), published="2023-02-17")
    assert len(rows) == 1
    assert rows.iloc[0]["target_type"] == "Transportation"


def test_target_whom_a_vehicle_carried_says_what_was_targeted(code_text):
    rows = code_text((
        "A sticky bomb attached to a minibus carrying employees of the Ministry of Higher Education exploded "
        "in Kabul on Wednesday morning, killing one person, police said."), published="2021-06-10")
    assert len(rows) == 1
    assert rows.iloc[0]["target_type"] == "Government (General)"


def test_target_an_official_shot_dead_at_his_home_is_a_government_target(code_text):
    rows = code_text((
        "Gunmen on Saturday night shot dead the vice chairman of the Bungudu Local Government Council, "
        "Alhaji Lawali Mairiga, at his residence in Bungudu town, police said."), published="2021-03-09")
    assert len(rows) == 1
    assert rows.iloc[0]["target_type"] == "Government (General)"
    assert rows.iloc[0]["actor2_kind"] == "civilians"


def test_target_where_a_gunfight_took_place_is_not_whom_it_hit(code_text):
    rows = code_text((
        "Security forces killed two militants in a gunfight on the outskirts of Shopian town on Thursday, "
        "police said."), published="2023-05-12")
    assert len(rows) == 1
    assert rows.iloc[0]["target_type"] == "Terrorists/Non-State Militia"


def test_target_peacekeepers_hit_are_the_mission_named(code_text):
    rows = code_text((
        "Two Chadian peacekeepers were killed on Friday when a roadside bomb exploded near Tessalit in northern "
        "Mali, MINUSMA said in a statement."), published="2019-04-13")
    assert len(rows) == 1
    assert rows.iloc[0]["target_type"] == "Government (Diplomatic)"
    assert rows.iloc[0]["actor2_kind"] == "group" and rows.iloc[0]["actor2_group"].startswith("MINUSMA")


def test_target_guards_hurt_at_a_government_building_are_the_side_hit(code_text):
    rows = code_text((
        "Several mortar shells struck the presidential palace in Mogadishu on Monday, wounding two soldiers of "
        "the presidential guard, security officials said."), published="2020-12-08")
    assert len(rows) == 1
    assert rows.iloc[0]["target_type"] == "Government (General)"
    assert rows.iloc[0]["actor2_kind"] == "military"


def test_target_a_tehsildar_is_a_government_official(code_text):
    rows = code_text((
        "A tehsildar posted in North Waziristan was shot dead by unidentified gunmen near Mir Ali on Friday, "
        "officials said."), published="2023-06-10")
    assert len(rows) == 1
    assert rows.iloc[0]["target_type"] == "Government (General)"


def test_target_who_opened_fire_is_the_attacker_and_whom_at_the_target(code_text):
    rows = code_text((
        "A Palestinian gunman opened fire at Israeli soldiers at a checkpoint near Huwara on Tuesday night, "
        "seriously wounding one soldier before being shot dead by troops, the army said."),
        published="2024-04-25")
    assert len(rows) == 1
    row = rows.iloc[0]
    assert (row["actor1_kind"], row["actor2_kind"], row["target_type"]) == ("unidentified", "military", "Military")
