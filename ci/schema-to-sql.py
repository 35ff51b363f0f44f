#!/usr/bin/python3
"""Prints SQL that creates the tables of a `shapesim serve --schema` file in PostgreSQL and
inserts its seed rows (for `ci/conform-serve.sh --pg`).

usage: ci/schema-to-sql.py SCHEMA.json
"""
import json
import sys

TYPES = {"bool": "boolean", "int2": "smallint", "int4": "integer", "int8": "bigint", "float4": "real",
         "float8": "double precision", "numeric": "numeric", "text": "text", "varchar": "varchar", "uuid": "uuid",
         "date": "date", "time": "time", "timestamp": "timestamp", "timestamptz": "timestamptz", "json": "json",
         "jsonb": "jsonb"}


def ident(name):
    return '"' + name.replace('"', '""') + '"'


def array_literal(items):
    parts = []
    for x in items:
        if x is None:
            parts.append("NULL")
        elif isinstance(x, list):
            parts.append(array_literal(x)[1:-1].replace("''", "'"))
        else:
            text = ("true" if x else "false") if isinstance(x, bool) else str(x)
            parts.append('"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return "'{" + ",".join(parts).replace("'", "''") + "}'"


def literal(v, is_array=False):
    if v is None:
        return "NULL"
    if is_array and isinstance(v, list):
        return array_literal(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, (dict, list)):
        v = json.dumps(v)
    return "'" + str(v).replace("'", "''") + "'"


def main(path):
    for t in json.load(open(path)):
        cols = []
        for c in t["columns"]:
            base = c["type"].rstrip("[]")
            dims = c["type"].count("[]")
            sql_type = TYPES.get(base, base) + "[]" * dims
            cols.append(f'{ident(c["name"])} {sql_type}' + (" NOT NULL" if c.get("not_null") else ""))
        cols.append("PRIMARY KEY (" + ", ".join(ident(k) for k in t["primary_key"]) + ")")
        table = ident(t.get("schema", "public")) + "." + ident(t["name"])
        print(f"CREATE TABLE {table} ({', '.join(cols)});")
        arrays = {c["name"] for c in t["columns"] if c["type"].endswith("[]") or c.get("dims", 0) > 0}
        for row in t.get("rows", []):
            names = ", ".join(ident(k) for k in row)
            values = ", ".join(literal(v, k in arrays) for k, v in row.items())
            print(f"INSERT INTO {table} ({names}) VALUES ({values});")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
