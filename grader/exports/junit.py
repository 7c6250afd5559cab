"""JUnit XML for CI systems and LMSs: one testcase per kata test, classname = the function it grades."""
import xml.etree.ElementTree as ET
from pathlib import Path

from ..result import Run
from .feedback import explain


def document(run: Run) -> ET.ElementTree:
    suites = ET.Element("testsuites", name="gradient-descent-kata")
    failures = sum(1 for r in run.records if r.status == "failed") + (1 if run.load_error else 0)
    suite = ET.SubElement(suites, "testsuite", name=f"kata[{run.label}]",
                          tests=str(len(run.records) + (1 if run.load_error else 0)),
                          failures=str(failures), errors="0", skipped="0")
    properties = ET.SubElement(suite, "properties")
    for key, value in [("seed", str(run.seed)), *run.versions.items()]:
        ET.SubElement(properties, "property", name=key, value=value)
    if run.load_error:
        case = ET.SubElement(suite, "testcase", classname="kata.load", name="load submission")
        ET.SubElement(case, "failure", message="the submission could not be loaded").text = run.load_error
    missing = run.missing
    for record in run.records:
        group = record.experiment or record.function or "kata"
        case = ET.SubElement(suite, "testcase", classname=f"kata.{group}", name=record.test)
        if record.failure:
            text = "\n".join(explain(record.failure, record.function, missing))
            ET.SubElement(case, "failure", message=text.splitlines()[0] if text else "failed").text = text
    ET.indent(suites)
    return ET.ElementTree(suites)


def write(run: Run, path: Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    document(run).write(path, encoding="utf-8", xml_declaration=True)
