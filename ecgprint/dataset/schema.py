"""The shard schema: Arrow types, the Hugging Face `datasets` feature metadata, and rows -> Arrow table.

Image is `struct<bytes, path>` (HF `Image`); signal is HF's Array2D extension type (storage
list<list<float32>>), so `datasets` decodes both with no extra code while pandas, pyarrow and DuckDB read
the plain storage types.
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa

from ..labels import LABELS
from ..leads import STANDARD_LEADS
from .truth_column import TRUTH_TYPE, truth_array

HF_ARRAY2D = "datasets.features.features.Array2DExtensionType"   # the name `datasets` registers


class SignalType(pa.ExtensionType):
    """Arrow twin of `datasets`' Array2D [n_samples, 12] float32 (same name and serialisation), written
    without importing `datasets`."""

    def __init__(self, n_samples: int):
        self.n_samples = int(n_samples)
        super().__init__(pa.list_(pa.list_(pa.float32())), HF_ARRAY2D)

    def __arrow_ext_serialize__(self) -> bytes:
        return json.dumps([[self.n_samples, len(STANDARD_LEADS)], "float32"]).encode()

    @classmethod
    def __arrow_ext_deserialize__(cls, storage_type, serialized):
        shape, _dtype = json.loads(serialized)
        return cls(shape[0])


IMAGE_TYPE = pa.struct([("bytes", pa.binary()), ("path", pa.string())])


def shard_schema(n_samples: int) -> pa.Schema:
    """Columns of every shard, with HF feature metadata under the `huggingface` key."""
    fields = [
        ("id", pa.string()), ("record_id", pa.string()), ("patient_id", pa.string()), ("source", pa.string()),
        ("split", pa.string()), ("labels", pa.list_(pa.string())), ("label_vector", pa.list_(pa.int8(), len(LABELS))),
        ("image", IMAGE_TYPE), ("image_format", pa.string()), ("width", pa.int32()), ("height", pa.int32()),
        ("signal", SignalType(n_samples)), ("fs", pa.float32()), ("leads", pa.list_(pa.string())),
        ("layout", pa.string()), ("preset", pa.string()), ("severity", pa.float32()), ("seed", pa.int64()),
        ("render_config", pa.string()), ("artifacts", pa.string()), ("truth", TRUTH_TYPE),
    ]
    value = {"string": "string", "int8": "int8", "int32": "int32", "int64": "int64", "float": "float32"}
    features = {}
    for name, typ in fields:
        if name == "truth":
            continue   # nested struct: `datasets` infers its features from the Arrow type
        if name == "image":
            features[name] = {"_type": "Image"}
        elif name == "signal":
            features[name] = {"_type": "Array2D", "shape": [n_samples, len(STANDARD_LEADS)], "dtype": "float32"}
        elif name == "label_vector":
            features[name] = {"_type": "List", "length": len(LABELS),
                              "feature": {"_type": "Value", "dtype": "int8"}}
        elif pa.types.is_list(typ):
            features[name] = {"_type": "List", "feature": {"_type": "Value", "dtype": "string"}}
        else:
            features[name] = {"_type": "Value", "dtype": value[str(typ)]}
    metadata = {"huggingface": json.dumps({"info": {"features": features}}),
                "ecgprint": json.dumps({"label_order": list(LABELS), "leads": list(STANDARD_LEADS)})}
    return pa.schema(fields, metadata=metadata)


def rows_to_table(rows: list[dict], n_samples: int) -> pa.Table:
    """Build a shard table from row dicts (signal as float32 [n_samples, 12] arrays, truth as Truth)."""
    schema = shard_schema(n_samples)
    columns = []
    for field in schema:
        values = [row[field.name] for row in rows]
        if field.name == "signal":
            flat = pa.array(np.concatenate([v.reshape(-1) for v in values]) if values else [], pa.float32())
            inner = pa.ListArray.from_arrays(np.arange(0, len(flat) + 1, len(STANDARD_LEADS), dtype=np.int32), flat)
            outer = pa.ListArray.from_arrays(np.arange(0, len(inner) + 1, n_samples, dtype=np.int32), inner)
            columns.append(pa.ExtensionArray.from_storage(field.type, outer))
        elif field.name == "truth":
            columns.append(truth_array(values))
        else:
            columns.append(pa.array(values, field.type))
    return pa.Table.from_arrays(columns, schema=schema)
