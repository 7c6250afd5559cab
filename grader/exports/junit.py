"""JUnit XML for CI systems and LMSs: one testcase per kata test, classname = the function it grades.

The document is always well-formed: learner text is made safe where it enters the
records (grader/untrusted.py), and every string is passed through `_xml` here as
well, which drops what XML 1.0 cannot hold (control characters, lone surrogates,
non-characters) whatever its origin.
"""
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from ..result import Run
from .feedback import explain


_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text) -> str:
    return _NOT_XML.sub("\ufffd", str(text))


def document(run: Run) -> ET.ElementTree:
    suites = ET.Element("testsuites", name="gradient-descent-kata")
    failures = sum(1 for r in run.records if r.status == "failed") + (1 if run.load_error else 0)
    suite = ET.SubElement(suites, "testsuite", name=_xml(f"kata[{run.label}]"),
                          tests=str(len(run.records) + (1 if run.load_error else 0)),
                          failures=str(failures), errors="0", skipped="0")
    properties = ET.SubElement(suite, "properties")
    for key, value in [("seed", str(run.seed)), *run.versions.items()]:
        ET.SubElement(properties, "property", name=_xml(key), value=_xml(value))
    if run.load_error:
        case = ET.SubElement(suite, "testcase", classname="kata.load", name="load submission")
        failure = ET.SubElement(case, "failure", message="the submission could not be loaded")
        failure.text = _xml(run.load_error)
    missing = run.missing
    for record in run.records:
        group = record.experiment or record.function or "kata"
        case = ET.SubElement(suite, "testcase", classname=_xml(f"kata.{group}"), name=_xml(record.test))
        if record.failure:
            text = _xml("\n".join(explain(record.failure, record.function, missing)))
            ET.SubElement(case, "failure", message=text.splitlines()[0] if text else "failed").text = text
    ET.indent(suites)
    return ET.ElementTree(suites)


def write(run: Run, path: Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    document(run).write(path, encoding="utf-8", xml_declaration=True)
