"""`loadgate gate --from` on real output of Locust and JMeter (the fixtures
of this folder, README.md there says how each was made): exit codes, the
whole-run (ALL) checks, and one clear error line for bad input."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

LOADGATE = os.environ.get("LOADGATE", "build/loadgate")
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "fixtures")


def fixture(name):
    return os.path.join(FIXTURES, name)


def gate(*args, timeout=30):
    """Runs `loadgate gate ARGS --format json`; returns (code, verdict
    JSON or None, stderr)."""
    env = dict(os.environ)
    env.pop("GITHUB_ACTIONS", None)
    env.pop("GITHUB_STEP_SUMMARY", None)
    p = subprocess.run([LOADGATE, "gate", *args, "--format", "json"],
                       capture_output=True, text=True, env=env,
                       timeout=timeout)
    verdict = json.loads(p.stdout) if p.stdout.strip() else None
    return p.returncode, verdict, p.stderr


def checks(verdict, endpoint, default_error_rate=False):
    """The checks on endpoint; without the default error_rate check that
    every gate keeps unless a given threshold judges error_rate itself."""
    return [c for c in verdict["checks"] if c["endpoint"] == endpoint and
            (default_error_rate or c["check"] != "error_rate < 5%")]


class LocustTest(unittest.TestCase):
    def test_readme_example_passes_on_a_healthy_run(self):
        # The README's example; the Aggregated row's p95 is ALL's.
        code, v, err = gate("--from", "locust",
                            fixture("locust_healthy_stats.csv"),
                            "--threshold", "p95 < 500ms")
        self.assertEqual(code, 0, err)
        (all_check,) = checks(v, "ALL")
        self.assertEqual(all_check["status"], "pass")
        self.assertEqual(all_check["measured"], 11.0)
        self.assertEqual(v["counts"]["inconclusive"], 0)

    def test_a_breached_limit_fails_the_whole_run(self):
        code, v, err = gate("--from", "locust",
                            fixture("locust_healthy_stats.csv"),
                            "--threshold", "p95 < 1ms")
        self.assertEqual(code, 1, err)
        (all_check,) = checks(v, "ALL")
        self.assertEqual(all_check["status"], "fail")
        self.assertEqual(all_check["measured"], 11.0)

    def test_every_statistic_of_the_aggregated_row(self):
        # p90 9 (the endpoints have 9 and 10), avg, min, max, rps
        cases = [("p90 <= 9ms", 0), ("p90 < 9ms", 1), ("avg < 9.7ms", 0),
                 ("avg < 9.6ms", 1), ("min >= 1.1ms", 0), ("max < 1s", 1),
                 ("rps > 481/s", 0), ("rps > 482/s", 1),
                 ("requests >= 3372", 0), ("error_rate < 1%", 0)]
        for expr, want in cases:
            with self.subTest(expr):
                code, v, err = gate("--from", "locust",
                                    fixture("locust_healthy_stats.csv"),
                                    "--threshold", expr)
                (all_check,) = checks(v, "ALL")
                self.assertEqual(all_check["status"],
                                 "pass" if want == 0 else "fail", err)

    def test_csv_prefix_and_saved_results(self):
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copy(fixture("locust_healthy_stats.csv"),
                        os.path.join(tmp, "run_stats.csv"))
            out = os.path.join(tmp, "results.json")
            code, _, err = gate("--from", "locust", os.path.join(tmp, "run"),
                                "--threshold", "p95 < 20ms", "--out", out)
            self.assertEqual(code, 0, err)
            # the saved document gates the same: ALL's p99 is still 19 ms
            code, v, err = gate(out, "--threshold", "p99 < 18ms")
            self.assertEqual(code, 1, err)
            (all_check,) = checks(v, "ALL")
            self.assertEqual(all_check["measured"], 19.0)

    def test_malformed_file_is_one_line_and_exit_3(self):
        with tempfile.TemporaryDirectory() as tmp:
            bad = os.path.join(tmp, "stats.csv")
            with open(fixture("locust_healthy_stats.csv")) as f:
                lines = f.read().splitlines()
            lines[2] = lines[2].replace(",849,", ",many,")
            with open(bad, "w") as f:
                f.write("\n".join(lines) + "\n")
            code, _, err = gate("--from", "locust", bad)
            self.assertEqual(code, 3)
            self.assertEqual(err.splitlines(), [
                "loadgate: error: %s:3: field 3 (Request Count): expected "
                "a count, found 'many'" % bad])


class JMeterTest(unittest.TestCase):
    # every format JMeter writes: told from the content
    FILES = {
        "jmeter_full.jtl": 4,         # CSV with its header line
        "jmeter_noheader.jtl": 4,     # JMeter 2.x default: no header line
        "jmeter5_noheader.jtl": 4,    # JMeter 5 default columns, no header
        "jmeter_xml.jtl": 6,          # XML, with nested sub-results
    }

    def test_each_format(self):
        for name, n_endpoints in self.FILES.items():
            with self.subTest(name):
                # (the fixtures have failed samples on purpose: the
                # error-rate check is turned off to judge requests alone)
                code, v, err = gate("--from", "jmeter", fixture(name),
                                    "--threshold", "requests >= 12",
                                    "--threshold", "error_rate <= 100%")
                self.assertEqual(code, 0, err)
                self.assertEqual(len(v["checks"]), 2 * (n_endpoints + 1))
                (all_check,) = [c for c in checks(v, "ALL")
                                if c["check"] == "requests >= 12"]
                self.assertEqual(all_check["measured"], 12 * n_endpoints)
                code, v, err = gate("--from", "jmeter", fixture(name),
                                    "--threshold", "max < 1ms")
                self.assertEqual(code, 1, err)

    def test_xml_entities_are_refused_at_once(self):
        for name in ("xml_billion_laughs.jtl", "xml_xxe.jtl"):
            with self.subTest(name):
                code, v, err = gate("--from", "jmeter", fixture(name),
                                    timeout=10)
                self.assertEqual(code, 3)
                self.assertEqual(err.splitlines(), [
                    "loadgate: error: %s:2: a document type declaration "
                    "(<!DOCTYPE>): JMeter's XML JTL has none, and DTDs and "
                    "entities are not read" % fixture(name)])

    def test_cut_short_xml(self):
        with tempfile.TemporaryDirectory() as tmp:
            cut = os.path.join(tmp, "cut.jtl")
            with open(fixture("jmeter_xml.jtl")) as f:
                lines = f.read().splitlines()
            with open(cut, "w") as f:
                f.write("\n".join(lines[:20]) + "\n")
            code, _, err = gate("--from", "jmeter", cut)
            self.assertEqual(code, 3)
            self.assertEqual(len(err.splitlines()), 1, err)
            self.assertRegex(err, r"^loadgate: error: %s:\d+: the document "
                             r"ends inside <testResults>: the file is cut "
                             r"short$" % cut)


if __name__ == "__main__":
    unittest.main()
