"""Print one "TESTCASE OUTCOME" line per test case of a regrtest
--junit-xml report, sorted, so two runs can be compared with diff."""
import sys
import xml.etree.ElementTree as ET

OUTCOMES = ("skipped", "failure", "error")

rows = []
for case in ET.parse(sys.argv[1]).getroot().iter("testcase"):
    outcome = "passed"
    for child in case:
        if child.tag in OUTCOMES:
            outcome = child.tag
            break
    rows.append("%s %s" % (case.get("name"), outcome))
for row in sorted(rows):
    print(row)
