#!/usr/bin/env python3
"""Test oracle for `--junit`: validates FILE.xml against junit.xsd (beside
this script) with the `xmlschema` package, checks that the counts agree with
the cases, and prints {"tests", "failures", "failing": [case names],
"cases": [case names]} as JSON for the Rust test to compare with the report.

  python junit_check.py FILE.xml
"""
import json
import os
import sys
import xml.etree.ElementTree as ET

import xmlschema

path = sys.argv[1]
schema = xmlschema.XMLSchema(os.path.join(os.path.dirname(__file__), "junit.xsd"))
schema.validate(path)  # raises with the reason when invalid
root = ET.parse(path).getroot()
suites = root.findall("testsuite")
assert len(suites) == 1, f"{len(suites)} suites"
s = suites[0]
cases = s.findall("testcase")
failing = [c.get("name") for c in cases if c.find("failure") is not None]
assert int(s.get("tests")) == len(cases), "tests attribute != cases"
assert int(s.get("failures")) == len(failing), "failures attribute != failing cases"
assert int(root.get("tests")) == len(cases) and int(root.get("failures")) == len(failing)
for c in cases:
    f = c.find("failure")
    if f is not None:
        assert f.get("message") and (f.text or "").strip(), f"failure of {c.get('name')} says nothing"
print(json.dumps({"tests": len(cases), "failures": len(failing), "failing": failing,
                  "cases": [c.get("name") for c in cases]}))
