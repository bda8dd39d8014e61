#!/usr/bin/env python3
"""Summarises WLCS runs: per test group, passed, failed, expected failures (with their reasons
from the list) and skipped; writes summary.txt beside the logs and exits 1 on a failure not
expected, an expected failure that passed, or a test that never reported (wlcs stopped).

Each line of the list is `PATTERN [@ SIGNATURE] # REASON`: a failure of a test matching the
fnmatch PATTERN is expected only if its output contains SIGNATURE (when given), so a test listed
for one reason that starts failing for another is reported.

usage: summary.py EXPECTED_FAILURES OUT_DIR LOG...   (OUT_DIR/tests.txt: gtest_list_tests output)
"""
import fnmatch
import re
import sys
from collections import OrderedDict

RESULT = re.compile(r"^\[ +(OK|FAILED|SKIP) +\] (\S+?),?(?: where .*)? \(\d+ ?ms\)$")
RUN = re.compile(r"^\[ RUN +\] (\S+)")


def expected_failures(path):
    patterns = []
    for number, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        pattern, _, reason = line.partition("#")
        if not reason.strip():
            sys.exit(f"{path}:{number}: an expected failure needs a reason after '#'")
        pattern, _, signature = pattern.partition("@")
        patterns.append((pattern.strip(), signature.strip(), reason.strip()))
    return patterns


def listed_tests(path):
    tests, case = [], None
    for line in open(path, encoding="utf-8"):
        if not line.strip():
            continue
        if not line.startswith(" "):
            case = line.split("#")[0].strip()
        else:
            name = line.split("#")[0].strip()
            if not name.startswith("DISABLED_") and ".DISABLED_" not in case + name and not case.startswith("DISABLED_"):
                tests.append(case + name)  # gtest never runs DISABLED_ tests
    return tests


def main():
    patterns = expected_failures(sys.argv[1])
    out = sys.argv[2]
    results, output = {}, {}
    for log in sys.argv[3:]:
        current, lines = None, []
        for line in open(log, encoding="utf-8", errors="replace"):
            line = line.rstrip("\n")
            m = RUN.match(line)
            if m:
                current, lines = m.group(1), []
                continue
            m = RESULT.match(line)
            if m:
                results[m.group(2)] = m.group(1)
                output[m.group(2)] = "\n".join(lines)
                current = None
            elif current:
                lines.append(line)
    tests = listed_tests(f"{out}/tests.txt")

    def reason_for(test):
        # A passing test is an unexpected pass only where it is listed by name (no signature): a
        # signature line covers whatever fails that way, and cannot say what should.
        result = results.get(test)
        for pattern, signature, reason in patterns:
            if not fnmatch.fnmatchcase(test, pattern):
                continue
            if result == "OK":
                if not signature:
                    return reason
            elif signature in output.get(test, ""):
                return reason
        return None

    groups = OrderedDict()
    unexpected, passed_but_expected, missing = [], [], []
    reasons = OrderedDict()
    for test in tests:
        group = test.rsplit(".", 1)[0]
        row = groups.setdefault(group, {"passed": 0, "failed": 0, "xfail": 0, "skipped": 0})
        result, reason = results.get(test), reason_for(test)
        if result == "OK":
            row["passed"] += 1
            if reason:
                passed_but_expected.append(test)
        elif result == "SKIP":
            row["skipped"] += 1
        elif reason:
            row["xfail"] += 1
            reasons.setdefault(reason, []).append(test)
        else:
            row["failed"] += 1
            (unexpected if result == "FAILED" else missing).append(test)

    lines = []
    width = max([len(g) for g in groups] + [10])
    lines.append(f"{'group':<{width}}  passed  failed  expected  skipped")
    totals = {"passed": 0, "failed": 0, "xfail": 0, "skipped": 0}
    for group, row in groups.items():
        if row["passed"] + row["failed"] + row["xfail"] == 0:
            totals["skipped"] += row["skipped"]
            continue  # every test of it skipped: a protocol we do not offer
        lines.append(f"{group:<{width}}  {row['passed']:>6}  {row['failed']:>6}  {row['xfail']:>8}  {row['skipped']:>7}")
        for k in totals:
            totals[k] += row[k]
    skipped_groups = [g for g, r in groups.items() if r["passed"] + r["failed"] + r["xfail"] == 0]
    lines.append(f"{'total':<{width}}  {totals['passed']:>6}  {totals['failed']:>6}  {totals['xfail']:>8}  {totals['skipped']:>7}")
    lines.append("")
    lines.append(f"{len(skipped_groups)} groups skipped whole (protocols not advertised): {', '.join(skipped_groups)}")
    if reasons:
        lines.append("")
        lines.append("expected failures, by reason:")
        for reason, failed in reasons.items():
            lines.append(f"  {len(failed):>4}  {reason}")
    for title, items in (("UNEXPECTED FAILURES", unexpected), ("EXPECTED TO FAIL BUT PASSED (update expected-failures.txt)", passed_but_expected),
                         ("NEVER REPORTED (wlcs stopped; see the logs)", missing)):
        if items:
            lines.append("")
            lines.append(f"{title}:")
            lines.extend(f"  {t}" for t in items)
    lines.append("")
    ok = not unexpected and not passed_but_expected and not missing
    lines.append(f"wlcs: {totals['passed']} passed, {totals['failed']} failed, {totals['xfail']} expected failures, "
                 f"{totals['skipped']} skipped{'' if ok else ' - FAILED'}")
    text = "\n".join(lines) + "\n"
    open(f"{out}/summary.txt", "w", encoding="utf-8").write(text)
    sys.stdout.write(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
