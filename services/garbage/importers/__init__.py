"""Import garbage data in the three shapes cities publish, plus the staff's YAML file, into one items table.

- `standard`: the national 11-column 自治体標準オープンデータセット「ごみ分別」 (standard.py).
- `5374`: a 5374.jp set (target.csv, area_days.csv, description.csv, remarks.csv, center.csv) (jp5374.py).
- `mapping`: a city's own spreadsheet, read through `columns:` (field → header), like Tsu's original.csv (mapping.py).
- `yaml`: data/garbage_local.yml, the items and synonyms staff add by hand (staff_yaml.py).

Every file is parsed and checked completely before the database is touched (common.py holds what the parsers
share); then each source's rows are brought to the new state in one transaction (sync.py). A row that cannot be
used is reported with its line and left out (strict: nothing changes); a file that cannot be read as a table stops
the import. Importing the same files again changes nothing.
"""

from .common import CategoryResolver
from .standard import STANDARD_COLUMNS
from .sync import import_configured, import_sources, parse_source, touch_source

__all__ = [
    "STANDARD_COLUMNS",
    "CategoryResolver",
    "import_configured",
    "import_sources",
    "parse_source",
    "touch_source",
]
