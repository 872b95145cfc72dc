"""Register microdata -> Sozialraum counts: a hand-made extract with the counts written out."""
import pandas as pd
import pytest

from sozialanalyse.io.own import DataError
from sozialanalyse.io.register import HOUSEHOLD_TYPES, aggregate_register, read_directory

A, B, C = "03499001-01", "03499001-02", "03499001-03"

# Hauptstraße 0100: odd 1-49 -> A, odd 51-end -> B, even side -> B; Am Markt 0200: whole street -> C;
# block BL7 -> C. Street 0300 is not in the directory.
DIRECTORY = pd.DataFrame({
    "street_key": ["0100", "0100", "0100", "0200", None],
    "number_from": [1, 51, None, None, None],
    "number_to": [49, None, None, None, None],
    "side": ["odd", "ungerade", "even", "all", None],
    "block_key": [None, None, None, None, "BL7"],
    "area_id": [A, B, B, C, C],
})

# household, birth year, sex, nationality, street, house number, block   (reference year 2024)
PERSONS = [
    ("H1", 1980, "w", "deutsch", "0100", "3", None),        # A: couple with child
    ("H1", 1982, "m", "deutsch", "0100", "3", None),
    ("H1", 2015, "w", "deutsch", "0100", "3", None),        # age 9
    ("H2", 1950, "m", "deutsch", "0100", "51", None),       # B: odd 51 -> B, alone 74
    ("H3", 1990, "w", "nichtdeutsch", "0100", "12a", None),  # B: even side, alone 34
    ("H4", 1970, "m", "deutsch", "0200", "7", None),        # C: couple without children
    ("H4", 1972, "w", "deutsch", "0200", "7", None),
    ("H5", 1985, "w", "nichtdeutsch", None, None, "BL7"),   # C (block): single parent, 2 children
    ("H5", 2018, "m", "nichtdeutsch", None, None, "BL7"),   # age 6
    ("H5", 2020, "w", "nichtdeutsch", None, None, "BL7"),   # age 4
    ("H6", 1940, "w", "deutsch", "0200", "8", None),        # C: three adults -> sonstige
    ("H6", 1965, "m", "deutsch", "0200", "8", None),
    ("H6", 1995, "m", "deutsch", "0200", "8", None),
    ("H7", 2000, "m", "deutsch", "0300", "1", None),        # unmatched street
    ("H7", 2001, "w", "deutsch", "0300", "1", None),
    ("H8", 1950, "w", "deutsch", "0100", "5", None),        # A: two adults 40 years apart -> sonstige
    ("H8", 1990, "m", "deutsch", "0100", "5", None),
    ("H9", 1930, "w", "deutsch", "0100", "49", None),       # A: upper end of 1-49, age 94 -> 90+
]
COLUMNS = ["household_id", "birth_year", "sex", "nationality", "street_key", "house_number", "block_key"]

EXPECTED_EINWOHNER = {  # (area, age band, sex, nationality) -> persons; every other cell is 0
    (A, "40-44", "w", "deutsch"): 1, (A, "40-44", "m", "deutsch"): 1, (A, "5-9", "w", "deutsch"): 1,
    (A, "70-74", "w", "deutsch"): 1, (A, "30-34", "m", "deutsch"): 1, (A, "90+", "w", "deutsch"): 1,
    (B, "70-74", "m", "deutsch"): 1, (B, "30-34", "w", "nichtdeutsch"): 1,
    (C, "50-54", "m", "deutsch"): 1, (C, "50-54", "w", "deutsch"): 1,
    (C, "35-39", "w", "nichtdeutsch"): 1, (C, "5-9", "m", "nichtdeutsch"): 1, (C, "0-4", "w", "nichtdeutsch"): 1,
    (C, "80-84", "w", "deutsch"): 1, (C, "55-59", "m", "deutsch"): 1, (C, "25-29", "m", "deutsch"): 1,
}
EXPECTED_HAUSHALTE = {
    (A, "paare_mit_kindern"): 1, (A, "sonstige"): 1, (A, "einpersonen_65plus"): 1,
    (B, "einpersonen_65plus"): 1, (B, "einpersonen_unter65"): 1,
    (C, "paare_ohne_kinder"): 1, (C, "alleinerziehende"): 1, (C, "sonstige"): 1,
}


def persons() -> pd.DataFrame:
    return pd.DataFrame(PERSONS, columns=COLUMNS)


def _check(r):
    c = r.counts
    assert list(c.columns) == ["area_id", "year", "variable", "age_group", "sex", "nationality", "type", "value"]
    assert set(c["year"]) == {2024}
    ew = c[c["variable"] == "einwohner"]
    assert len(ew) == 3 * 19 * 2 * 2  # full grid for every Sozialraum of the directory
    got = {k: v for k, v in zip(zip(ew["area_id"], ew["age_group"], ew["sex"], ew["nationality"]), ew["value"])
           if v}
    assert got == EXPECTED_EINWOHNER
    hh = c[c["variable"] == "haushalte"]
    assert len(hh) == 3 * len(HOUSEHOLD_TYPES)
    assert set(hh["age_group"]) == {"insgesamt"} and set(ew["type"]) == {"insgesamt"}
    got = {k: v for k, v in zip(zip(hh["area_id"], hh["type"]), hh["value"]) if v}
    assert got == EXPECTED_HAUSHALTE
    # the unmatched address is listed with its persons and households, not dropped
    um = r.unmatched
    assert um[["street_key", "house_number", "block_key", "persons", "households"]].to_dict("records") == [
        {"street_key": "0300", "house_number": "1", "block_key": None, "persons": 2, "households": 1}]
    s = r.summary
    assert (s["persons_read"], s["persons_counted"], s["persons_unmatched"], s["persons_invalid"]) == (18, 16, 2, 0)
    assert (s["households"], s["households_counted"], s["households_unmatched"]) == (9, 8, 1)
    text = r.report()
    assert "persons read 18 = counted 16 + unmatched address 2 + invalid 0" in text
    assert "street 0300 no. 1: 2 person(s), 1 household(s)" in text


def test_dataframe_input():
    _check(aggregate_register(persons(), DIRECTORY, year=2024))


def test_csv_and_parquet_files_with_renamed_columns(tmp_path):
    src = persons().rename(columns={"birth_year": "GEBJAHR", "street_key": "STRSCHL"})
    src.to_csv(tmp_path / "extract.csv", index=False)
    src.astype({"GEBJAHR": "int64"}).to_parquet(tmp_path / "extract.parquet")
    DIRECTORY.to_csv(tmp_path / "directory.csv", index=False)
    cols = {"GEBJAHR": "birth_year", "STRSCHL": "street_key"}
    for f in ("extract.csv", "extract.parquet"):
        _check(aggregate_register(tmp_path / f, tmp_path / "directory.csv", year=2024, columns=cols,
                                  temp_directory=str(tmp_path / "spill")))


def test_invalid_records_are_counted_not_lost():
    df = persons()
    extra = pd.DataFrame([("H10", "xx", "m", "deutsch", "0100", "3", None),     # birth year not a number
                          ("H11", 2030, "w", "deutsch", "0100", "3", None),     # born after 2024
                          ("H12", 1980, "q", "deutsch", "0100", "3", None),     # sex not m/w/d/x
                          ("H13", 1980, "m", "unbekannt", "0100", "3", None),   # nationality
                          (None, 1980, "m", "deutsch", "0100", "hinten", None)],  # no number, no household
                         columns=COLUMNS)
    r = aggregate_register(pd.concat([df.astype({"birth_year": str}), extra.astype({"birth_year": str})]),
                           DIRECTORY, year=2024)
    s = r.summary
    assert s["persons_read"] == 23
    assert s["invalid"] == {"birth year missing or not a number": 1, "born after the reference year": 1,
                            "sex missing or not m/w/d/x": 1, "nationality not deutsch/nichtdeutsch": 1}
    assert (s["persons_counted"], s["persons_unmatched"], s["persons_invalid"]) == (16, 3, 4)
    assert s["persons_without_household"] == 1
    assert "0100" in set(r.unmatched["street_key"]) and "hinten" in set(r.unmatched["house_number"])


def test_write_project_format(tmp_path):
    r = aggregate_register(persons(), DIRECTORY, year=2024)
    pop, hh, unmatched = r.write(tmp_path)
    assert pd.read_csv(unmatched, dtype=str)["street_key"].tolist() == ["0300"]  # listed, not lost
    p = pd.read_csv(pop, dtype={"area_id": str})
    assert list(p.columns) == ["area_id", "year", "variable", "age_group", "sex", "nationality", "value"]
    assert p["value"].sum() == 16
    h = pd.read_csv(hh, dtype={"area_id": str})
    assert list(h.columns) == ["area_id", "year", "variable", "type", "value"] and h["value"].sum() == 8


def test_directory_overlap_and_bad_side_are_rejected():
    bad = pd.DataFrame({"street_key": ["0100", "0100", "0100"], "number_from": [1, 41, 2],
                        "number_to": [49, 99, 10], "side": ["odd", "all", "links"],
                        "area_id": [A, B, C]})
    with pytest.raises(DataError) as e:
        read_directory(bad)
    msg = str(e.value)
    assert "rows 2 and 3: sections of street 0100 overlap" in msg
    assert "row 4, column side: unknown side 'links'" in msg
    # odd and even sections over the same range do not overlap; odd 1-1 and even 2-9 neither
    ok = pd.DataFrame({"street_key": ["1", "1", "1", "1"], "number_from": [1, 1, 11, 2], "number_to": [9, 9, 11, 10],
                       "side": ["odd", "even", "even", "even"], "area_id": [A, B, C, C]})
    with pytest.raises(DataError, match="rows 3 and 5"):  # even 1-9 and even 2-10 overlap
        read_directory(ok)
    read_directory(ok.iloc[:3])  # even 11-11 holds no even number: no overlap with even 1-9


def test_write_merges_years_and_keeps_other_areas(tmp_path):
    """One extract per reference date, loaded one after another, gives one file with every year;
    loading a year again replaces it instead of doubling it."""
    r24 = aggregate_register(persons(), DIRECTORY, year=2024)
    r23 = aggregate_register(persons(), DIRECTORY, year=2023)
    r24.write(tmp_path)
    other = pd.DataFrame({"area_id": ["03499002"], "year": [2024], "variable": ["einwohner"], "age_group": ["0-4"],
                          "sex": ["w"], "nationality": ["deutsch"], "value": [7]})
    pop = pd.concat([pd.read_csv(tmp_path / "population.csv", dtype={"area_id": str}), other])
    pop.to_csv(tmp_path / "population.csv", index=False)
    r23.write(tmp_path)
    r24.write(tmp_path, replace=True)  # without replace=True it refuses (test_write_refuses_to_overwrite_a_year)
    p = pd.read_csv(tmp_path / "population.csv", dtype={"area_id": str})
    assert p.groupby("year")["value"].sum().to_dict() == {2023: 16, 2024: 16 + 7}
    assert p.loc[p["area_id"] == "03499002", "value"].tolist() == [7]
    h = pd.read_csv(tmp_path / "households.csv", dtype={"area_id": str})
    assert h.groupby("year")["value"].sum().to_dict() == {2023: 8, 2024: 8}
    assert not list(tmp_path.glob(".*.part"))


def test_cli_register(tmp_path, capsys):
    from sozialanalyse import cli

    src = persons().rename(columns={"birth_year": "GEBJAHR", "street_key": "STRSCHL"})
    src.to_csv(tmp_path / "extract.csv", index=False)
    DIRECTORY.to_csv(tmp_path / "strassen.csv", index=False)
    args = ["register", str(tmp_path / "extract.csv"), "--directory", str(tmp_path / "strassen.csv"),
            "--year", "2024", "--out", str(tmp_path / "kreis"), "--column", "GEBJAHR=birth_year",
            "--column", "STRSCHL=street_key"]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert "persons read 18 = counted 16 + unmatched address 2 + invalid 0" in out
    assert "street 0300 no. 1: 2 person(s), 1 household(s)" in out
    assert (tmp_path / "kreis" / "population.csv").is_file()
    assert (tmp_path / "kreis" / "register_unmatched.csv").is_file()
    assert cli.main([*args, "--strict", "--replace"]) == 1  # two persons match no Sozialraum
    assert cli.main([*args[:-2], "--column", "STRSCHL"]) == 2
    assert "SOURCE=STANDARD" in capsys.readouterr().err


# --- defects found in review: each test fails on the code before its fix ---

def _df(rows):
    return pd.DataFrame(rows, columns=COLUMNS)


def test_whole_street_matches_any_house_number_but_a_range_needs_a_number():
    # 0200 is a whole street (no range, side all) -> C; 0100 has numeric sections only
    r = aggregate_register(_df([
        ("W1", 1980, "w", "deutsch", "0200", None, None),          # C, 40-44
        ("W2", 1990, "m", "deutsch", "0200", "a12", None),         # C, 30-34
        ("W3", 2000, "w", "nichtdeutsch", "0200", "o. Nr.", None),  # C, 20-24 (age 24)
        ("W4", 1970, "m", "deutsch", "0100", None, None),          # unmatched: a range needs a number
        ("W5", 1960, "w", "deutsch", "0100", "o. Nr.", None),      # unmatched
    ]), DIRECTORY, year=2024)
    ew = r.counts[(r.counts["variable"] == "einwohner") & (r.counts["value"] > 0)]
    assert sorted(zip(ew["area_id"], ew["age_group"], ew["sex"], ew["nationality"], ew["value"])) == [
        (C, "20-24", "w", "nichtdeutsch", 1), (C, "30-34", "m", "deutsch", 1), (C, "40-44", "w", "deutsch", 1)]
    hh = r.counts[(r.counts["variable"] == "haushalte") & (r.counts["value"] > 0)]
    assert list(zip(hh["area_id"], hh["type"], hh["value"])) == [(C, "einpersonen_unter65", 3)]
    assert r.unmatched[["street_key", "house_number", "persons", "households"]].to_dict("records") == [
        {"street_key": "0100", "house_number": None, "persons": 1, "households": 1},
        {"street_key": "0100", "house_number": "o. Nr.", "persons": 1, "households": 1}]
    s = r.summary
    assert (s["persons_read"], s["persons_counted"], s["persons_unmatched"], s["persons_invalid"]) == (5, 3, 2, 0)
    text = r.report()
    assert "street 0100 without house number: 1 person(s), 1 household(s)" in text
    assert "street 0100 no. o. Nr.: 1 person(s), 1 household(s)" in text


def test_split_household_is_counted_at_its_first_matched_address():
    r = aggregate_register(_df([
        ("S1", 1980, "w", "deutsch", None, None, None),    # no address at all
        ("S1", 1982, "m", "deutsch", "0100", "3", None),   # A
        ("S1", 2015, "w", "deutsch", "0300", "1", None),   # street not in the directory
        ("S2", 1950, "m", "deutsch", "0200", "7", None),   # C
        ("S2", 1955, "w", "deutsch", "0100", "51", None),  # B; 'S0100|51' sorts before 'S0200|7' -> B
    ]), DIRECTORY, year=2024)
    hh = r.counts[(r.counts["variable"] == "haushalte") & (r.counts["value"] > 0)]
    assert sorted(zip(hh["area_id"], hh["type"], hh["value"])) == [
        (A, "paare_mit_kindern", 1), (B, "paare_ohne_kinder", 1)]
    s = r.summary
    assert (s["households"], s["households_counted"], s["households_unmatched"]) == (2, 2, 0)
    assert s["households_split_address"] == 2
    assert (s["persons_counted"], s["persons_unmatched"]) == (3, 2)
    um = r.unmatched[["street_key", "house_number", "block_key", "persons", "households"]]
    assert um.to_dict("records") == [
        {"street_key": None, "house_number": None, "block_key": None, "persons": 1, "households": 0},
        {"street_key": "0300", "house_number": "1", "block_key": None, "persons": 1, "households": 0}]
    text = r.report()
    assert "no address: 1 person(s), 0 household(s)" in text
    assert "None" not in text


def test_sex_divers_and_nationality_codes():
    rows = [(f"N{i}", 1980, sex, nat, "0100", "3", None) for i, (sex, nat) in enumerate([
        ("m", "DE"), ("w", "deu"), ("m", "000"), ("w", " Deutsch "),          # deutsch
        ("m", "TR"), ("w", "TUR"), ("m", "163"), ("w", "997"), ("m", "XK"),  # nichtdeutsch
        ("w", "staatenlos"),                                                  # nichtdeutsch (Destatis)
        ("d", "DE"), ("X", "deutsch"), ("divers", "TR"), ("Ohne Angabe", "000"),  # kept, own reason
        ("m", "NA"), ("w", "999"), ("m", "ja"), ("w", "1234"), ("m", None),  # nationality not usable
        ("q", "DE"),                                                          # sex unknown
    ])]
    r = aggregate_register(_df(rows), DIRECTORY, year=2024)
    s = r.summary
    assert s["persons_read"] == 20
    assert s["invalid"] == {"sex d/x (not in the m/w tables)": 4, "nationality not deutsch/nichtdeutsch": 5,
                            "sex missing or not m/w/d/x": 1}
    assert (s["persons_counted"], s["persons_unmatched"], s["persons_invalid"]) == (10, 0, 10)
    ew = r.counts[(r.counts["variable"] == "einwohner") & (r.counts["value"] > 0)]
    assert sorted(zip(ew["area_id"], ew["age_group"], ew["sex"], ew["nationality"], ew["value"])) == [
        (A, "40-44", "m", "deutsch", 2), (A, "40-44", "m", "nichtdeutsch", 3),
        (A, "40-44", "w", "deutsch", 2), (A, "40-44", "w", "nichtdeutsch", 3)]
    assert "  invalid: sex d/x (not in the m/w tables): 4" in r.report()
    # every household is still counted (one person each, aged 44)
    assert s["households_counted"] == 20


def test_column_mapping_errors_name_the_valid_names_and_the_file_columns(tmp_path):
    src = persons().rename(columns={"birth_year": "GEBJAHR"})
    src.to_csv(tmp_path / "extract.csv", index=False)
    with pytest.raises(DataError) as e:
        aggregate_register(tmp_path / "extract.csv", DIRECTORY, 2024, columns={"GEBJAHR": "birthyear"})
    msg = str(e.value)
    assert "GEBJAHR=birthyear" in msg and "unknown standard name 'birthyear'" in msg
    assert "birth_year, sex, nationality, household_id, street_key, house_number, block_key" in msg
    with pytest.raises(DataError) as e:  # mapped source column not in the file (an optional one)
        aggregate_register(tmp_path / "extract.csv", DIRECTORY, 2024,
                           columns={"GEBJAHR": "birth_year", "BLOCK": "block_key"})
    msg = str(e.value)
    assert "extract.csv" in msg and "BLOCK" in msg
    assert "has: household_id, GEBJAHR, sex, nationality, street_key, house_number, block_key" in msg


LATIN1_DIRECTORY = "street_key,number_from,number_to,side,block_key,area_id\nHauptstraße,,,all,,03499001-01\n"
LATIN1_EXTRACT = ("birth_year,sex,nationality,household_id,street_key,house_number\n"
                  "1980,w,deutsch,h1,Hauptstraße,3\n1982,m,deutsch,h1,Hauptstraße,3\n")


def test_latin1_files_need_an_encoding_and_get_a_clear_error(tmp_path):
    (tmp_path / "strassen.csv").write_bytes(LATIN1_DIRECTORY.encode("latin-1"))
    (tmp_path / "extract.csv").write_bytes(LATIN1_EXTRACT.encode("latin-1"))
    (tmp_path / "strassen-utf8.csv").write_text(LATIN1_DIRECTORY, encoding="utf-8")
    with pytest.raises(DataError) as e:
        read_directory(tmp_path / "strassen.csv")
    assert "strassen.csv: not UTF-8" in str(e.value) and "latin-1" in str(e.value)
    with pytest.raises(DataError) as e:
        aggregate_register(tmp_path / "extract.csv", tmp_path / "strassen-utf8.csv", 2024)
    assert "extract.csv: not UTF-8" in str(e.value) and "encoding latin-1" in str(e.value)
    for directory, kw in ((tmp_path / "strassen.csv", {"encoding": "latin-1"}),
                          (tmp_path / "strassen-utf8.csv", {"encoding": "ISO-8859-1", "directory_encoding": "utf-8"})):
        r = aggregate_register(tmp_path / "extract.csv", directory, 2024, **kw)
        assert (r.summary["persons_counted"], r.summary["households_counted"]) == (2, 1)


def test_cp1252_is_transcoded_also_gzip_and_globs(tmp_path):
    import gzip

    # '„' and '€' exist in cp1252 only (not in Latin-1); two files read through one glob
    head, rows = LATIN1_EXTRACT.split("\n", 1)
    text = head + ",bemerkung\n" + rows.replace("\n", ",„5 €“\n")
    (tmp_path / "teil1.csv").write_bytes(text.encode("cp1252"))
    with gzip.open(tmp_path / "teil2.csv.gz", "wb") as f:
        f.write(text.encode("cp1252"))
    (tmp_path / "strassen.csv").write_bytes(LATIN1_DIRECTORY.encode("cp1252"))
    r = aggregate_register(str(tmp_path / "teil*"), tmp_path / "strassen.csv", 2024, encoding="cp1252",
                           temp_directory=str(tmp_path / "spill"))
    assert (r.summary["persons_read"], r.summary["persons_counted"], r.summary["households"]) == (4, 4, 1)
    assert r.summary["households_split_address"] == 0
    assert not list((tmp_path / "spill").glob("**/*.csv"))  # the transcoded copies are removed
    with pytest.raises(DataError, match="unknown encoding 'klingon'"):
        aggregate_register(tmp_path / "teil1.csv", tmp_path / "strassen.csv", 2024, encoding="klingon")


def test_out_of_memory_is_a_data_error():
    with pytest.raises(DataError) as e:
        aggregate_register(persons(), DIRECTORY, 2024, memory_limit="1MB")
    assert "out of memory with memory limit 1MB" in str(e.value) and "temp-directory" in str(e.value)
    with pytest.raises(DataError, match="memory limit '60XB'"):
        aggregate_register(persons(), DIRECTORY, 2024, memory_limit="60XB")


def test_cli_register_errors_without_traceback(tmp_path, capsys):
    from sozialanalyse import cli

    (tmp_path / "strassen.csv").write_bytes(LATIN1_DIRECTORY.encode("latin-1"))
    (tmp_path / "extract.csv").write_bytes(LATIN1_EXTRACT.encode("latin-1"))
    args = ["register", str(tmp_path / "extract.csv"), "--directory", str(tmp_path / "strassen.csv"),
            "--year", "2024", "--out", str(tmp_path / "kreis")]
    assert cli.main(args) == 2
    assert "not UTF-8" in capsys.readouterr().err
    assert cli.main([*args, "--encoding", "latin-1", "--memory-limit", "1MB"]) == 2
    assert "out of memory with memory limit 1MB" in capsys.readouterr().err
    assert cli.main([*args, "--encoding", "latin-1", "--column", "GEBJAHR=birthyear"]) == 2
    assert "valid: birth_year, sex" in capsys.readouterr().err
    assert cli.main([*args, "--encoding", "latin-1", "--temp-directory", str(tmp_path / "spill")]) == 0
    assert "persons read 2 = counted 2 + unmatched address 0 + invalid 0" in capsys.readouterr().out


def test_malformed_csv_is_a_data_error_that_quotes_no_record(tmp_path):
    lines = ["birth_year,sex,nationality,household_id,street_key,house_number"]
    lines += [f"{1950 + i % 60},w,deutsch,h{i},0100,{1 + 2 * (i % 20)}" for i in range(30000)]
    lines.insert(25000, "1981,m,deutsch,h2,0100,4,GEHEIM")  # one field too many, far past the sniffed sample
    (tmp_path / "extract.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError) as e:
        aggregate_register(tmp_path / "extract.csv", DIRECTORY, 2024)
    assert "extract.csv: 1 line(s) cannot be read, so nothing is counted: line 25001: 7 fields, the header has 6" \
        in str(e.value) and "GEHEIM" not in str(e.value)


def test_write_refuses_a_folder_that_keeps_the_table_in_excel_or_parquet(tmp_path):
    """Writing population.csv beside population.xlsx would leave a folder the build refuses."""
    r = aggregate_register(persons(), DIRECTORY, year=2024)
    pd.DataFrame({"area_id": [A], "year": [2023], "variable": ["einwohner"], "age_group": ["0-4"], "sex": ["w"],
                  "nationality": ["deutsch"], "value": [5]}).to_parquet(tmp_path / "population.parquet")
    with pytest.raises(DataError, match=r"population\.parquet: this folder keeps the table 'population' as \.parquet"):
        r.write(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["population.parquet"]  # nothing written


# --- issue 12: register cannot destroy or invent counts; each test fails on the code before it ---

HEADER = "person_id,birth_year,sex,nationality,household_id,street_key,house_number"


def _areas_csv(folder, keys=(A, B, C)):
    """A minimal areas.csv for the folder register writes into."""
    rows = ["area_id,name,kind,parent_id", "03499,Landkreis,Landkreis,", "03499001,Stadt,Stadt,03499"]
    rows += [f"{k},Sozialraum {k[-2:]},Sozialraum,03499001" for k in keys]
    (folder / "areas.csv").write_text("\n".join(rows) + "\n")


def _cli_args(tmp_path, extract, year=2024, *extra):
    DIRECTORY.to_csv(tmp_path / "strassen.csv", index=False)
    return ["register", str(extract), "--directory", str(tmp_path / "strassen.csv"), "--year", str(year),
            "--out", str(tmp_path / "kreis"), *extra]


def test_empty_or_header_only_extract_writes_nothing(tmp_path, capsys):
    from sozialanalyse import cli

    kreis = tmp_path / "kreis"
    kreis.mkdir()
    aggregate_register(persons(), DIRECTORY, 2024).write(kreis)  # the year's counts are there: 16 persons
    before = {p.name: p.read_bytes() for p in kreis.iterdir()}
    (tmp_path / "header.csv").write_text(HEADER + "\n")
    assert cli.main(_cli_args(tmp_path, tmp_path / "header.csv", 2024, "--replace")) == 2
    err = capsys.readouterr().err
    assert "header.csv: holds no person (an empty file or a header alone), so nothing is written" in err
    (tmp_path / "empty.csv").write_text("")
    assert cli.main(_cli_args(tmp_path, tmp_path / "empty.csv", 2024, "--replace")) == 2
    assert "empty.csv: empty file (not even a header line); nothing counted" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in kreis.iterdir()} == before  # the 16 persons are still there
    with pytest.raises(DataError, match="holds no person"):
        aggregate_register(_df([]), DIRECTORY, 2025).write(kreis)  # also a new year: zeros are not counts


def test_extract_matching_no_sozialraum_writes_nothing(tmp_path):
    r = aggregate_register(_df([("X1", 1980, "w", "deutsch", "100", "3", None),    # lost leading zero
                                ("X2", 1990, "m", "deutsch", "200", "7", None),
                                ("X3", "19xx", "m", "deutsch", "0100", "3", None)]), DIRECTORY, 2024)
    with pytest.raises(DataError) as e:
        r.write(tmp_path / "kreis")
    assert ("none of its 3 persons is counted (2 at an address that matches no Sozialraum of street directory, "
            "1 with an invalid record), so nothing is written") in str(e.value)
    assert not (tmp_path / "kreis").exists()


def test_existing_counts_of_the_year_need_replace(tmp_path, capsys):
    from sozialanalyse import cli

    kreis = tmp_path / "kreis"
    kreis.mkdir()
    _areas_csv(kreis)
    aggregate_register(persons(), DIRECTORY, 2024).write(kreis)  # 16 persons, 8 households in 2024
    fewer = persons().iloc[:3]  # household H1 alone: 3 persons, 1 household in A
    fewer.insert(0, "person_id", ["p1", "p2", "p3"])
    fewer.to_csv(tmp_path / "fewer.csv", index=False)
    before = (kreis / "population.csv").read_bytes()
    assert cli.main(_cli_args(tmp_path, tmp_path / "fewer.csv")) == 2
    err = capsys.readouterr().err
    assert (f"{kreis / 'population.csv'} already holds the 2024 counts of 3 Sozialräume of strassen.csv "
            "(16 persons)") in err
    assert f"{kreis / 'households.csv'} already holds the 2024 counts of 3 Sozialräume of strassen.csv (8 households)" \
        in err
    assert "nothing written. Use --replace" in err
    assert (kreis / "population.csv").read_bytes() == before
    # another year is no conflict; with --replace the year is overwritten and the CLI says so
    assert cli.main(_cli_args(tmp_path, tmp_path / "fewer.csv", 2023)) == 0
    assert cli.main(_cli_args(tmp_path, tmp_path / "fewer.csv", 2024, "--replace")) == 0
    out = capsys.readouterr().out
    assert "replaced the 2024 counts of 3 Sozialräume in population.csv: 16 persons before, 3 now" in out
    assert "replaced the 2024 counts of 3 Sozialräume in households.csv: 8 households before, 1 now" in out
    p = pd.read_csv(kreis / "population.csv", dtype={"area_id": str})
    assert p.groupby("year")["value"].sum().to_dict() == {2023: 3, 2024: 3}


def test_duplicate_person_ids_are_refused_with_their_count_and_lines(tmp_path):
    df = persons()
    df.insert(0, "person_id", [f"p{i}" for i in range(len(df))])
    df.loc[[3, 9], "person_id"] = "p1"    # p1 three times: positions 1, 3, 9 (lines 3, 5, 11)
    df.loc[12, "person_id"] = "p5"        # p5 twice: positions 5, 12 (lines 7, 14)
    expected = ("2 person key(s) in column person_id occur more than once (5 records), so nothing is counted "
                "(a person would be counted twice). First: {unit}s {a}; {unit}s {b}.")
    with pytest.raises(DataError) as e:
        aggregate_register(df, DIRECTORY, 2024)
    assert expected.format(unit="position", a="1, 3, 9", b="5, 12") in str(e.value)
    df.rename(columns={"person_id": "LFDNR"}).to_csv(tmp_path / "extract.csv", index=False)
    with pytest.raises(DataError) as e:
        aggregate_register(tmp_path / "extract.csv", DIRECTORY, 2024, columns={"LFDNR": "person_id"})
    assert str(e.value).startswith(f"{tmp_path / 'extract.csv'}: 2 person key(s) in column LFDNR")
    assert "First: lines 3, 5, 11; lines 7, 14." in str(e.value)
    df.to_parquet(tmp_path / "extract.parquet")
    with pytest.raises(DataError, match="First: rows 3, 5, 11; rows 7, 14"):
        aggregate_register(tmp_path / "extract.parquet", DIRECTORY, 2024)
    # distinct keys (and persons without a key) are counted as before
    df["person_id"] = [f"p{i}" for i in range(len(df))]
    df.loc[0, "person_id"] = None
    _check(aggregate_register(df, DIRECTORY, 2024))


def test_malformed_lines_are_named_with_line_number_and_count(tmp_path):
    good = [f"p{i},{1980 + i},w,deutsch,h{i},0100,{2 * i + 1}" for i in range(8)]
    lines = [HEADER, *good[:2],
             "p90,1981,m,deutsch,h90,0100,4,GEHEIM",   # line 4: a field too many (inside the sniffed sample)
             *good[2:5],
             "p91,1982,m,deutsch,h91,0100",             # line 8: a field missing
             *good[5:],
             'p92,1983,m,deutsch,"h92,0100,5']          # line 12: a quote that is never closed
    (tmp_path / "extract.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError) as e:
        aggregate_register(tmp_path / "extract.csv", DIRECTORY, 2024)
    msg = str(e.value)
    assert msg.startswith(f"{tmp_path / 'extract.csv'}: 3 line(s) cannot be read, so nothing is counted: "
                          "line 4: 8 fields, the header has 7; line 8: 6 fields, the header has 7; line 12: ")
    assert "GEHEIM" not in msg and "h92" not in msg
    # the same good lines with ';' (and a quoted field holding the delimiter) are read
    semi = [HEADER.replace(",", ";")] + [ln.replace(",", ";") for ln in good] + ['p99;1950;w;deutsch;"h;99";0100;7']
    (tmp_path / "semikolon.csv").write_text("\n".join(semi) + "\n")
    r = aggregate_register(tmp_path / "semikolon.csv", DIRECTORY, 2024)
    assert (r.summary["persons_read"], r.summary["persons_counted"], r.summary["households"]) == (9, 9, 9)


def test_directory_keys_are_checked_against_areas_csv(tmp_path, capsys):
    from sozialanalyse import cli

    kreis = tmp_path / "kreis"
    kreis.mkdir()
    _areas_csv(kreis, keys=(A, B))  # C (03499001-03) is not an area of this district
    lost = DIRECTORY.assign(area_id=DIRECTORY["area_id"].replace({B: B[1:]}))  # '3499001-02' on rows 3, 4
    lost.to_csv(tmp_path / "strassen.csv", index=False)
    persons().to_csv(tmp_path / "extract.csv", index=False)
    args = ["register", str(tmp_path / "extract.csv"), "--directory", str(tmp_path / "strassen.csv"),
            "--year", "2024", "--out", str(kreis)]
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert ("strassen.csv: 2 Sozialraum key(s) not in areas.csv: rows 3, 4: '3499001-02' (did you mean "
            "'03499001-02'? a leading zero was lost, e.g. when the file was saved from Excel); rows 5, 6: "
            "'03499001-03'") in err
    assert sorted(p.name for p in kreis.iterdir()) == ["areas.csv"]
    r = aggregate_register(persons(), lost, 2024)  # the library checks when writing, too
    with pytest.raises(DataError, match="rows 3, 4: '3499001-02' \\(did you mean '03499001-02'"):
        r.write(kreis)
    _areas_csv(kreis, keys=(A, B, C))
    assert cli.main([*args[:3], str(tmp_path / "strassen-ok.csv"), *args[4:]]) == 2  # missing file: error
    DIRECTORY.to_csv(tmp_path / "strassen-ok.csv", index=False)
    assert cli.main([*args[:3], str(tmp_path / "strassen-ok.csv"), *args[4:]]) == 0


def test_unmatched_addresses_are_kept_per_year(tmp_path):
    kreis = tmp_path / "kreis"
    aggregate_register(persons(), DIRECTORY, 2023).write(kreis)
    r24 = aggregate_register(persons(), DIRECTORY, 2024)
    r24.write(kreis)
    um = pd.read_csv(kreis / "register_unmatched.csv", dtype=str, keep_default_na=False)
    assert list(um.columns) == ["year", "street_key", "house_number", "block_key", "persons", "households"]
    assert um[["year", "street_key", "persons"]].values.tolist() == [["2023", "0300", "2"], ["2024", "0300", "2"]]
    # 2024 again, now with another unmatched address: only the 2024 rows are replaced
    more = pd.concat([persons(), _df([("H20", 1960, "w", "deutsch", "0400", "2", None)])])
    aggregate_register(more, DIRECTORY, 2024).write(kreis, replace=True)
    um = pd.read_csv(kreis / "register_unmatched.csv", dtype=str, keep_default_na=False)
    assert um[["year", "street_key", "persons"]].values.tolist() == [
        ["2023", "0300", "2"], ["2024", "0300", "2"], ["2024", "0400", "1"]]
    # a year whose addresses all match removes that year's rows and keeps the others
    aggregate_register(persons().iloc[:13], DIRECTORY, 2024).write(kreis, replace=True)
    um = pd.read_csv(kreis / "register_unmatched.csv", dtype=str, keep_default_na=False)
    assert um[["year", "street_key", "persons"]].values.tolist() == [["2023", "0300", "2"]]


def test_invalid_records_are_named_by_line(tmp_path):
    rows = [HEADER,
            "p1,1980,w,deutsch,h1,0100,3",
            "p2,1880,w,deutsch,h2,0100,3",    # line 3: older than 120 (a typo in the year)
            "p3,1980,w,deutsch,h3,0100,3",
            "p4,1980,q,deutsch,h4,0100,3",    # line 5: sex not m/w/d/x
            "p5,,w,deutsch,h5,0100,3",        # line 6: birth year missing
            "p6,1980,d,deutsch,h6,0100,3"]    # line 7: sex d (counted apart)
    rows += [f"p{i},19x{i},m,deutsch,h{i},0100,5" for i in range(7, 13)]  # lines 8-13: birth year not a number
    (tmp_path / "extract.csv").write_text("\n".join(rows) + "\n")
    r = aggregate_register(tmp_path / "extract.csv", DIRECTORY, 2024)
    text = r.report()
    assert "persons read 12 = counted 2 + unmatched address 0 + invalid 10" in text
    assert "  invalid: birth year missing or not a number: 7 (lines 6, 8, 9, 10, 11, ...)" in text
    assert "  invalid: sex missing or not m/w/d/x: 1 (line 5)" in text
    assert "  invalid: sex d/x (not in the m/w tables): 1\n" in text  # a valid entry: not searched for
    assert "  invalid: older than 120: 1 (line 3)" in text
    pd.read_csv(tmp_path / "extract.csv", dtype=str).to_parquet(tmp_path / "extract.parquet")
    text = aggregate_register(tmp_path / "extract.parquet", DIRECTORY, 2024).report()
    assert "  invalid: sex missing or not m/w/d/x: 1 (row 5)" in text  # header = row 1, as in a spreadsheet
    text = aggregate_register(pd.read_csv(tmp_path / "extract.csv", dtype=str), DIRECTORY, 2024).report()
    assert "  invalid: older than 120: 1 (position 1)" in text


def test_implausible_reference_year_is_refused(tmp_path, capsys):
    # a typo in --year (2099 for 2019) wrote a year validation then rejects as implausible
    # (1990 to the current year + 1); 2024.5 was truncated to 2024 by int()
    from sozialanalyse import cli

    for bad in (2099, 1555):
        with pytest.raises(DataError, match=f"reference year {bad} is not plausible \\(1990 to "):
            aggregate_register(persons(), DIRECTORY, bad)
    with pytest.raises(DataError, match="reference year 2024.5 is not a whole number"):
        aggregate_register(persons(), DIRECTORY, 2024.5)
    persons().to_csv(tmp_path / "extract.csv", index=False)
    assert cli.main(_cli_args(tmp_path, tmp_path / "extract.csv", 2099)) == 2
    assert "reference year 2099 is not plausible" in capsys.readouterr().err
    assert not (tmp_path / "kreis").exists()
    _check(aggregate_register(persons(), DIRECTORY, 2024.0))  # a whole float is the year
