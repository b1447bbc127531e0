"""Query API batches as Arrow IPC streams (`enable-arrow-stream: true`), base64 in the
`arrowStream` field, as the cdp-connector's `get_pandas_dataframe` reads them.

pyarrow is optional (`pip install specmock[arrow]`); without it the request is refused by
name rather than answered with JSON the client would not look for.
"""

from __future__ import annotations

import base64
from typing import Any

from .errors import ApiError

# Data Cloud column type -> Arrow type name; DECIMAL and TIMESTAMP leave as strings, as
# they do in JSON batches (the connector casts them from the metadata).
_ARROW_TYPES = {"BIGINT": "int64", "INTEGER": "int32", "DOUBLE": "float64", "BOOLEAN": "bool_"}


def wanted(headers: dict[str, str]) -> bool:
    return headers.get("enable-arrow-stream", "").strip().lower() == "true"


def encode(columns: list[tuple[str, str]], rows: list[list[Any]]) -> str:
    """One Arrow IPC stream holding `rows`, typed from the result's column types."""
    try:
        import pyarrow as pa
    except ImportError:
        raise ApiError(
            400,
            "UNSUPPORTED_FORMAT",
            "arrow streams need pyarrow on the server (pip install specmock[arrow]); "
            "omit enable-arrow-stream",
        ) from None
    arrays = []
    for i, (_, kind) in enumerate(columns):
        values = [row[i] for row in rows]
        arrow_type = getattr(pa, _ARROW_TYPES.get(kind, "string"))()
        if arrow_type == pa.string():
            values = [None if v is None else str(v) for v in values]
        elif arrow_type == pa.bool_():
            values = [None if v is None else bool(v) for v in values]
        arrays.append(pa.array(values, type=arrow_type))
    table = pa.Table.from_arrays(arrays, names=[name for name, _ in columns])
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return base64.b64encode(sink.getvalue().to_pybytes()).decode("ascii")
