"""The set-wise check of a CSV on PostgreSQL (importer._staged) gives what the row by row reading gives:
the same rows loaded, the same problems (it falls back to the row by row reading for them), the same
refusals; a first load is a plain INSERT, a load over existing actuals the upsert."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db import transaction

from metrics import importer
from metrics.models import Actual
from tests.factories import SellerFactory

pytestmark = pytest.mark.postgres  # the set-wise path is PostgreSQL's: CI's second pass runs it

H = b"kpi,unit,seller,date,value\n"
ROW = b"leads,team-a1,sam@example.test,2027-05-01,12\n"
CASES = {
    "plain": H + ROW + b"calls-made,team-a1,,2027-05-01,3.5\n",
    "crlf": (H + ROW).replace(b"\n", b"\r\n"),
    "bom": b"\xef\xbb\xbf" + H + ROW,
    "header spelled otherwise": b"KPI, Unit ,seller,Date,VALUE\n" + ROW,
    "columns reordered, no unit": b"value,date,kpi,seller\n12,2027-05-01,leads,sam@example.test\n",
    "by names": H + b"Leads,Team A1,Sam Seller,2027-05-01,12\n",
    "no final line end": H + ROW.rstrip(),
    "header only": H,
    "minus zero": H + b"leads,team-a1,,2027-05-01,-0\n",
    "padded kpi": H + b" leads ,team-a1,,2027-05-01,12\n",
    "repeated": H + ROW + ROW.replace(b",12", b",13"),
    "repeated in another spelling": H + ROW + b"Leads,team-a1,sam@example.test,2027-05-01,13\n",
    "exponent": H + b"leads,team-a1,,2027-05-01,1e5\n",
    "padded value": H + b"leads,team-a1,,2027-05-01, 12\n",
    "five decimals": H + b"leads,team-a1,,2027-05-01,1.12345\n",
    "trailing zero decimals": H + b"leads,team-a1,,2027-05-01,1.50000\n",
    "too large": H + b"leads,team-a1,,2027-05-01,123456789012345\n",
    "bad date": H + b"leads,team-a1,,2027-13-01,1\n",
    "no date": H + b"leads,team-a1,,,1\n",
    "blank line": H + ROW + b"\n" + ROW.replace(b"leads", b"calls-made"),
    "blank last line": H + ROW + b"\n",
    "empty row": H + ROW + b",,,,\n",
    "short row": H + b"leads,team-a1,2027-05-01,12\n",
    "long row": H + ROW.rstrip() + b",9\n",
    "quoted": H + b'"leads",team-a1,,2027-05-01,12\n',
    "lone carriage return": H + ROW.rstrip() + b"\r" + ROW,
    "end-of-copy marker": H + ROW + b"\\.\n" + ROW,
    "not UTF-8": H + b"leads,team-a1\xff,,2027-05-01,12\n",
    "unknown KPI": H + b"nope,team-a1,,2027-05-01,12\n",
    "ratio KPI": H + b"win-rate,team-a1,,2027-05-01,12\n",
    "a unit not the actor's": H + b"leads,team-b1,,2027-05-01,12\n",
    "neither unit nor seller": H + b"leads,,,2027-05-01,12\n",
    "blank header name": b"kpi,unit,seller,date,value,\n" + ROW.rstrip() + b",x\n",
    "header twice": b"kpi,unit,seller,date,value,value\n" + ROW.rstrip() + b",13\n",
    "unknown header": b"kpi,unit,seller,date,amount\n" + ROW,
    "tab after a value": H + b"leads,team-a1,,2027-05-01,12\t\n",
}

SET_WISE = {  # the rest fall back to the row by row reading
    "plain",
    "crlf",
    "bom",
    "header spelled otherwise",
    "columns reordered, no unit",
    "by names",
    "no final line end",
    "header only",
    "minus zero",
    "padded kpi",
}


class Undo(Exception):
    pass


def outcome(data: bytes, actor, *, setwise: bool, kind: str = "csv"):
    """(problems or refusal, rows read, rows loaded, rows loaded again, the actuals, set-wise?), undone."""
    result = None
    try:
        with transaction.atomic():
            try:
                rows = importer.read(kind, data)
                clean, errors, count = importer.validate(rows if setwise else iter(list(rows)), actor)
            except importer.UploadRefused as exc:
                result = ("refused", exc.messages)
                raise Undo from None
            loaded = again = None
            if not errors:
                loaded = importer.load(clean, source="upload", batch=None)
                clean, _, _ = importer.validate(importer.read(kind, data), actor)
                again = importer.load(clean, source="upload", batch=None)
            actuals = sorted(
                Actual.objects.values_list("kpi__code", "org_unit__code", "seller__email", "date", "value")
            )
            result = (errors, count, loaded, again, actuals, isinstance(clean, importer.Staged))
            raise Undo
    except Undo:
        return result


@pytest.mark.parametrize("name", CASES)
def test_the_set_wise_check_gives_what_the_rows_give(org, people, name):
    SellerFactory(org_unit=org.team_a1, name="Sam Seller", email="sam@example.test")
    setwise = outcome(CASES[name], people.leader, setwise=True)
    rows = outcome(CASES[name], people.leader, setwise=False)
    assert setwise[:5] == rows[:5]
    assert (len(setwise) == 6 and setwise[5]) == (name in SET_WISE)
    if rows[0] != "refused" and not rows[0]:
        assert rows[3] == 0  # loading the same file again changes nothing


def test_a_plain_file_is_checked_set_wise_and_loaded_then_upserted(org, people):
    data = H + b"".join(
        f"calls-made,team-a1,,{dt.date(2027, 1, 1) + dt.timedelta(days=i)},{i}\n".encode() for i in range(300)
    )
    clean, errors, count = importer.validate(importer.read("csv", data), people.leader)
    assert isinstance(clean, importer.Staged) and (errors, count) == ([], 300)
    assert importer.load(clean, source="upload", batch=None) == 300
    changed = data.replace(b",2027-01-05,4\n", b",2027-01-05,40\n")
    clean, errors, count = importer.validate(importer.read("csv", changed), people.leader)
    assert isinstance(clean, importer.Staged)
    assert importer.load(clean, source="upload", batch=None) == 1  # the upsert: one value changed
    assert Actual.objects.get(date=dt.date(2027, 1, 5)).value == D("40")
    assert Actual.objects.count() == 300


def test_a_first_load_that_meets_rows_added_meanwhile_upserts(org, people, monkeypatch):
    data = H + b"calls-made,team-a1,,2027-01-01,5\ncalls-made,team-a1,,2027-01-02,6\n"
    clean, _, _ = importer.validate(importer.read("csv", data), people.leader)
    importer.load(clean, source="upload", batch=None)
    Actual.objects.filter(date=dt.date(2027, 1, 2)).update(value=1)
    monkeypatch.setattr(importer, "FIRST_LOAD", "SELECT false")  # as if the rows came after the look
    clean, _, _ = importer.validate(importer.read("csv", data), people.leader)
    assert importer.load(clean, source="upload", batch=None) == 1
    assert sorted(Actual.objects.values_list("value", flat=True)) == [D("5"), D("6")]
