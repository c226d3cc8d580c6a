"""Pure domain of the registry service: households, names, matching, duplicates, needs rules,
usulan (data update proposals) and demo data. No I/O."""
