"""Pure domain of the intake service: categories, validation, numbering, status. No I/O."""
