"""moto answering by partition (the scale bench's emulator) answers what moto answers.

Given the same writes and reads on a table shaped like the template's (PK/SK, GSI1 on GSI1PK/GSI1SK),
once with moto as it is and once with ``moto_partitions`` installed: every query (a partition with a
key condition, paged, backwards; a GSI partition, paged; after updates that move an item to another
GSI partition or out of the GSI, deletes, a cancelled transaction and a committed one) returns the same
items in the same order, and a cancelled transaction leaves every item (and the GSI) as it was.
"""

from __future__ import annotations

import uuid

import boto3
import pytest

from kabar_local import moto_partitions

pytestmark = pytest.mark.xdist_group("kabar-local-moto")

REGION = "ap-southeast-3"


def _table(url: str) -> tuple[str, object]:
    ddb = boto3.client("dynamodb", endpoint_url=url, region_name=REGION,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    name = f"t-{uuid.uuid4().hex[:8]}"
    ddb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("PK", "SK", "GSI1PK", "GSI1SK")],
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{"IndexName": "GSI1", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "GSI1PK", "KeyType": "HASH"},
                                               {"AttributeName": "GSI1SK", "KeyType": "RANGE"}]}])
    return name, ddb


def _pages(ddb, **kwargs) -> list[list[dict]]:
    pages = []
    while True:
        page = ddb.query(**kwargs)
        pages.append(page["Items"])
        if "LastEvaluatedKey" not in page:
            return pages
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _reads(ddb, name: str) -> list:
    s = {"S": ""}
    return [
        _pages(ddb, TableName=name, KeyConditionExpression="PK = :p", ExpressionAttributeValues={":p": {"S": "T#a"}}),
        _pages(ddb, TableName=name, KeyConditionExpression="PK = :p AND begins_with(SK, :s)", Limit=3,
               ExpressionAttributeValues={":p": {"S": "T#a"}, ":s": {"S": "S#1"}}),
        _pages(ddb, TableName=name, KeyConditionExpression="PK = :p", ScanIndexForward=False, Limit=4,
               ExpressionAttributeValues={":p": {"S": "T#b"}}),
        _pages(ddb, TableName=name, KeyConditionExpression="PK = :p",
               ExpressionAttributeValues={":p": {"S": "T#none"}}),
        _pages(ddb, TableName=name, IndexName="GSI1", KeyConditionExpression="GSI1PK = :p", Limit=2,
               ExpressionAttributeValues={":p": {"S": "M#a"}}),
        _pages(ddb, TableName=name, IndexName="GSI1", KeyConditionExpression="GSI1PK = :p AND GSI1SK > :s",
               ExpressionAttributeValues={":p": {"S": "M#b"}, ":s": {**s, "S": "2026-11-05"}}),
        _pages(ddb, TableName=name, IndexName="GSI1", KeyConditionExpression="GSI1PK = :p",
               ExpressionAttributeValues={":p": {"S": "M#c"}}),
    ]


def _scenario(url: str) -> list:
    name, ddb = _table(url)
    seen = []
    for tenant in "ab":
        for n in range(12):
            item = {"PK": {"S": f"T#{tenant}"}, "SK": {"S": f"S#{n:02d}"}, "n": {"N": str(n)}}
            if n % 2:
                item.update(GSI1PK={"S": f"M#{tenant}"}, GSI1SK={"S": f"2026-11-{n:02d}"})
            ddb.put_item(TableName=name, Item=item)
    seen.append(_reads(ddb, name))  # the GSI map is built here
    key = {"PK": {"S": "T#a"}, "SK": {"S": "S#03"}}
    ddb.update_item(TableName=name, Key=key, UpdateExpression="SET GSI1PK = :c",
                    ExpressionAttributeValues={":c": {"S": "M#c"}})
    ddb.update_item(TableName=name, Key={"PK": {"S": "T#a"}, "SK": {"S": "S#05"}}, UpdateExpression="REMOVE GSI1PK")
    ddb.update_item(TableName=name, Key={"PK": {"S": "T#b"}, "SK": {"S": "S#99"}},
                    UpdateExpression="SET GSI1PK = :b, GSI1SK = :s",
                    ExpressionAttributeValues={":b": {"S": "M#b"}, ":s": {"S": "2026-11-30"}})
    ddb.delete_item(TableName=name, Key={"PK": {"S": "T#b"}, "SK": {"S": "S#07"}})
    seen.append(_reads(ddb, name))
    cancelled = [
        {"Put": {"TableName": name, "Item": {"PK": {"S": "T#a"}, "SK": {"S": "S#50"}, "GSI1PK": {"S": "M#c"},
                                             "GSI1SK": {"S": "x"}}}},
        {"Update": {"TableName": name, "Key": {"PK": {"S": "T#a"}, "SK": {"S": "S#01"}},
                    "UpdateExpression": "SET GSI1PK = :c, n = :n",
                    "ExpressionAttributeValues": {":c": {"S": "M#c"}, ":n": {"N": "100"}}}},
        {"Delete": {"TableName": name, "Key": {"PK": {"S": "T#b"}, "SK": {"S": "S#09"}}}},
        {"Put": {"TableName": name, "Item": {"PK": {"S": "T#b"}, "SK": {"S": "S#01"}},
                 "ConditionExpression": "attribute_not_exists(PK)"}},
    ]
    with pytest.raises(ddb.exceptions.TransactionCanceledException):
        ddb.transact_write_items(TransactItems=cancelled)
    seen.append(_reads(ddb, name))
    ddb.transact_write_items(TransactItems=cancelled[:3])
    seen.append(_reads(ddb, name))
    ddb.delete_table(TableName=name)
    return seen


def test_the_same_answers_as_moto(moto):
    plain = _scenario(moto.url)
    moto_partitions.install()
    try:
        assert moto_partitions.installed()
        indexed = _scenario(moto.url)
    finally:
        moto_partitions.uninstall()
    assert not moto_partitions.installed()
    assert indexed == plain
    # the scenario sees what it changed: the reads differ from step to step
    assert plain[0] != plain[1] and plain[1] == plain[2] and plain[2] != plain[3]
    assert sum(len(p) for p in plain[3][6]) and plain[3][6] != plain[2][6]


def test_a_query_reads_its_partition_only(moto):
    """With a table of many partitions, a query's work is its partition's: moto's walk over the whole table
    (``Table.all_items`` unnarrowed) is not called for a base-table or a GSI query."""
    from moto.dynamodb.models.table import Table

    name, ddb = _table(moto.url)
    for n in range(50):
        ddb.put_item(TableName=name, Item={"PK": {"S": f"T#{n}"}, "SK": {"S": "A"}, "GSI1PK": {"S": f"M#{n % 5}"},
                                           "GSI1SK": {"S": str(n)}})
    moto_partitions.install()
    walked = []
    narrowed = Table.all_items

    def spy(self):
        walked.append(moto_partitions._LOCAL.candidates is None)
        return narrowed(self)

    Table.all_items = spy
    try:
        one = ddb.query(TableName=name, KeyConditionExpression="PK = :p",
                        ExpressionAttributeValues={":p": {"S": "T#7"}})
        five = ddb.query(TableName=name, IndexName="GSI1", KeyConditionExpression="GSI1PK = :p",
                         ExpressionAttributeValues={":p": {"S": "M#2"}})
    finally:
        Table.all_items = narrowed
        moto_partitions.uninstall()
    assert [i["SK"]["S"] for i in one["Items"]] == ["A"]
    assert sorted(int(i["GSI1SK"]["S"]) for i in five["Items"]) == [2, 7, 12, 17, 22, 27, 32, 37, 42, 47]
    assert walked == [False, False]
