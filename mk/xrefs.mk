# The comment cross-reference check: functions, "see X" and DESIGN.md §
# numbers named in src/ comments must exist (tests/docs/xrefs.t).
CHECK_TESTS += tests/docs/xrefs.t
