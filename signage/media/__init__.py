"""Media ingestion building blocks (§13, §14): probe a file, judge it against the rules, make a
thumbnail, checksum it. Pure rules live in `rules`; everything else reads local files only."""
