"""`loadgate gate --from` on other tools' results (the fixtures of this
folder, README.md there says how each was made): exit codes, the whole-run
(ALL) checks, one clear error line for bad input, the format told from the
content, and the per-request formats' statistics against the same files
read here (Python, metrics.h's percentile definition)."""
import csv
import datetime
import json
import math
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
    def test_the_whole_run_is_judged(self):
        # the README's example passes on a healthy run (the Aggregated
        # row's p95 is ALL's); a breached limit fails the whole run
        cases = [("readme example passes", "p95 < 500ms", 0, "pass"),
                 ("breached limit fails", "p95 < 1ms", 1, "fail")]
        for what, threshold, want_code, status in cases:
            with self.subTest(what):
                code, v, err = gate("--from", "locust",
                                    fixture("locust_healthy_stats.csv"),
                                    "--threshold", threshold)
                self.assertEqual(code, want_code, err)
                (all_check,) = checks(v, "ALL")
                self.assertEqual(all_check["status"], status)
                self.assertEqual(all_check["measured"], 11.0)
                if status == "pass":
                    self.assertEqual(v["counts"]["inconclusive"], 0)

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


def saved(*args):
    """Runs gate ARGS --out FILE; returns (code, the results document)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "r.json")
        code, _, err = gate(*args, "--out", out)
        with open(out) as f:
            return code, json.load(f), err


def nearest_rank(values, pct):
    v = sorted(values)
    return v[max(1, math.ceil(pct / 100 * len(v))) - 1]


def url_path(url):
    return "/" + url.split("/", 3)[3] if "://" in url else url


def k6_samples(name):
    """{endpoint: [latency ms of the requests that got a response]} and
    {endpoint: (requests, failed)} of k6's --out json."""
    lat, counts = {}, {}
    with open(fixture(name)) as f:
        for line in f:
            d = json.loads(line)
            if d["type"] != "Point" or d["metric"] != "http_req_duration":
                continue
            t = d["data"]["tags"]
            ep = t["method"] + " " + url_path(t["name"])
            n, bad = counts.get(ep, (0, 0))
            counts[ep] = (n + 1, bad + (t["expected_response"] != "true"))
            if t["status"] != "0":
                lat.setdefault(ep, []).append(d["data"]["value"])
    return lat, counts


def gatling_samples(name):
    lat, counts = {}, {}
    with open(fixture(name)) as f:
        for line in f:
            r = line.rstrip("\n").split("\t")
            if r[0] != "REQUEST":
                continue
            groups, req, start, end, status, msg = r[1:]
            ep = "HTTP " + " / ".join(groups.split(",") + [req] if groups
                                      else [req])
            n, bad = counts.get(ep, (0, 0))
            counts[ep] = (n + 1, bad + (status == "KO"))
            if status == "OK" or "found" in msg:
                lat.setdefault(ep, []).append(int(end) - int(start))
    return lat, counts


def vegeta_samples(name):
    lat, counts = {}, {}
    with open(fixture(name)) as f:
        for line in f:
            d = json.loads(line)
            ep = d["method"] + " " + url_path(d["url"])
            n, bad = counts.get(ep, (0, 0))
            counts[ep] = (n + 1, bad + (not 200 <= d["code"] < 400))
            if d["code"]:
                lat.setdefault(ep, []).append(d["latency"] / 1e6)
    return lat, counts


def hey_samples(name):
    with open(fixture(name)) as f:
        rows = list(csv.DictReader(f))
    lat = [float(r["response-time"]) * 1000 for r in rows]
    bad = sum(int(r["status-code"]) >= 400 for r in rows)
    return {"HTTP *": lat}, {"HTTP *": (len(rows), bad)}


class PerRequestTest(unittest.TestCase):
    """Files with every request: the same statistics as loadgate's own
    runs, computed here from the same samples."""
    FILES = {
        "k6_points.json": k6_samples,
        "gatling_simulation.log": gatling_samples,
        "vegeta_results.json": vegeta_samples,
        "hey.csv": hey_samples,
    }
    STATS = {"p50": 50, "p75": 75, "p90": 90, "p95": 95, "p99": 99}

    def test_statistics_match_the_samples(self):
        for name, read in self.FILES.items():
            with self.subTest(name):
                lat, counts = read(name)
                code, doc, err = saved(fixture(name), "-q")
                self.assertIn(code, (0, 1, 3), err)
                eps = {m["method"] + " " + m["endpoint"]: m
                       for m in doc["metrics"]}
                self.assertEqual(set(eps), set(counts))
                for ep, (n, bad) in counts.items():
                    m = eps[ep]
                    self.assertEqual(m["sample_size"], n, ep)
                    self.assertAlmostEqual(m["error_rate"], bad / n, 9)
                    v = lat[ep]
                    # a histogram: within 0.4 % (exact below 256 us)
                    for stat, pct in self.STATS.items():
                        want = nearest_rank(v, pct)
                        got = m["%s_response_time_ms" % stat]
                        self.assertLessEqual(abs(got - want),
                                             0.004 * want + 0.001,
                                             "%s %s" % (ep, stat))
                    self.assertAlmostEqual(m["max_response_time_ms"],
                                           max(v), 3)
                    self.assertAlmostEqual(m["avg_response_time_ms"],
                                           sum(v) / len(v), 2)
                    # and a timeline, so checks "for N s" can be judged
                    self.assertGreater(len(m["timeline"]), 0)

    def test_a_slow_endpoint_fails_alone(self):
        # every request recorded: each endpoint judged on its own samples
        code, v, err = gate(fixture("k6_points.json"),
                            "-t", "p50 < 50ms", "-t", "error_rate < 50%")
        self.assertEqual(code, 1, err)
        failed = [c["endpoint"] for c in v["checks"]
                  if c["status"] == "fail"]
        self.assertEqual(failed, ["POST /api/agents/{id}/query"])
        code, v, err = gate(fixture("k6_points.json"),
                            "-t", "p50 < 100ms", "-t", "error_rate < 50%")
        self.assertEqual(code, 0, err)


class SummaryOnlyTest(unittest.TestCase):
    def test_a_statistic_the_tool_lacks_is_inconclusive(self):
        # autocannon reports p97.5, not p95: exit 3, said in the report
        code, v, err = gate(fixture("autocannon.json"),
                            "--threshold", "p95 < 1s")
        self.assertEqual(code, 3, err)
        (all_check,) = checks(v, "ALL")
        self.assertEqual(all_check["status"], "inconclusive")
        code, v, err = gate(fixture("autocannon.json"),
                            "--threshold", "p99 < 1s")
        self.assertEqual(code, 0, err)
        self.assertEqual(checks(v, "ALL")[0]["measured"], 21.0)
        p = subprocess.run([LOADGATE, "gate", fixture("autocannon.json"),
                            "-t", "p95 < 1s"], capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(p.returncode, 3)
        self.assertIn("autocannon reports summary numbers without p95 for "
                      "the whole run: a check on it is INCONCLUSIVE.",
                      p.stdout)

    def test_whole_run_numbers_are_the_tools_own(self):
        # (per-endpoint checks may lack samples: ALL is what is looked at)
        cases = [  # file, threshold passing, threshold failing, ALL value
            ("wrk_latency.txt", "p99 < 21ms", "p99 < 20ms", 20.63),
            ("wrk2_latency.txt", "p95 <= 16.831ms", "p95 < 16.8ms", 16.831),
            ("vegeta_report.json", "p95 < 127ms", "p95 < 126ms", 126.495379),
            ("gatling_stats.json", "p95 <= 130ms", "p95 < 130ms", 130.0),
            ("k6_handle_summary.json", "p95 < 102ms", "p95 < 101ms",
             101.889577),
            ("artillery_endpoints.json", "p90 < 31ms", "p90 < 30ms", 30.9),
        ]
        for name, ok, bad, value in cases:
            for expr, status in ((ok, "pass"), (bad, "fail")):
                with self.subTest(name=name, expr=expr):
                    code, v, err = gate(fixture(name), "-t", expr,
                                        "-t", "error_rate <= 100%")
                    (all_check,) = [c for c in checks(v, "ALL")
                                    if c["check"] == expr]
                    self.assertEqual(all_check["status"], status, err)
                    self.assertAlmostEqual(all_check["measured"], value, 6)
                    self.assertEqual(code, 1 if status == "fail" else
                                     code if code in (0, 3) else -1, err)

    def test_k6_counts_each_request_once(self):
        # the whole run is k6's 1,200 requests, not 1,200 + the 900 of
        # its named endpoint
        code, v, err = gate("--from", "k6", fixture("k6_summary.json"),
                            "-t", "requests <= 1200", "-t", "errors <= 24",
                            "-t", "error_rate <= 100%")
        # (inconclusive: the endpoint k6 exported no count for)
        self.assertEqual(code, 3, err)
        (req, errs, _) = checks(v, "ALL")
        self.assertEqual((req["measured"], errs["measured"]), (1200, 24))
        self.assertEqual((req["status"], errs["status"]), ("pass", "pass"))

    def test_artillery_without_per_endpoint_numbers_says_so(self):
        p = subprocess.run([LOADGATE, "gate", fixture("artillery_whole.json"),
                            "-t", "p95 < 1s"], capture_output=True,
                           text=True, timeout=30)
        self.assertIn("The Artillery report has no per-endpoint numbers, so "
                      "only the whole run is judged", p.stdout)


class AutoTest(unittest.TestCase):
    # the file, told from its content, and what --from names it
    FILES = {
        "locust_stats.csv": "locust", "k6_summary.json": "k6",
        "k6_points.json": "k6", "k6_handle_summary.json": "k6",
        "jmeter_noheader.jtl": "jmeter", "jmeter_xml.jtl": "jmeter",
        "artillery_partial.json": "artillery",
        "autocannon_errors.json": "autocannon",
        "gatling_simulation.log": "gatling", "gatling_stats.json": "gatling",
        "vegeta_results.json": "vegeta", "vegeta_report.json": "vegeta",
        "wrk_errors.txt": "wrk", "wrk2_latency.txt": "wrk",
        "hey_404.csv": "hey",
    }

    def test_plain_gate_reads_every_format(self):
        for name, source in self.FILES.items():
            with self.subTest(name):
                code, doc, err = saved(fixture(name), "-q",
                                       "-t", "requests > 0")
                self.assertEqual(doc["meta"]["source"], source)
                self.assertEqual(err.count("error:"), 0, err)
                code2, doc2, _ = saved("--from", source, fixture(name),
                                       "-q", "-t", "requests > 0")
                self.assertEqual(code, code2)
                self.assertEqual(doc["total_requests"],
                                 doc2["total_requests"])

    def test_loadgate_results_and_unknown_files(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "r.json")
            code, _, err = gate(fixture("hey.csv"), "-q", "--out", out)
            self.assertEqual(code, 0, err)
            # a saved import gates as a loadgate results file
            for how in ((), ("--from", "auto")):
                code, v, err = gate(out, *how, "-t", "requests >= 200")
                self.assertEqual(code, 0, err)
            junk = os.path.join(tmp, "notes.txt")
            with open(junk, "w") as f:
                f.write("these are not results\n")
            code, v, err = gate(junk)
            self.assertEqual(code, 3)
            self.assertIsNone(v)
            self.assertEqual(err.splitlines(), [
                "loadgate: error: %s: unknown format: not a results file "
                "loadgate knows (loadgate results, Locust --csv stats, k6 "
                "--summary-export or --out json, JMeter JTL, Artillery JSON, "
                "autocannon --json, Gatling simulation.log or stats.json, "
                "vegeta JSON, wrk --latency, hey -o csv)" % junk])
            # a format named that the file is not: that reader's message
            code, v, err = gate("--from", "wrk", fixture("hey.csv"))
            self.assertEqual(code, 3)
            self.assertEqual(err.splitlines(), [
                "loadgate: error: %s: no \"N requests in T\" line: not "
                "wrk's report, or it is cut short" % fixture("hey.csv")])
            code, v, err = gate("--from", "siege", fixture("hey.csv"))
            self.assertEqual(code, 2)
            self.assertIn("--from is locust, k6, jmeter, artillery, "
                          "autocannon, gatling, vegeta, wrk, hey or auto, "
                          "not 'siege'", err)


if __name__ == "__main__":
    unittest.main()
