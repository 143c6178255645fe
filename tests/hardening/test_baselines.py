"""Corrupt, truncated and wrong-schema results and baselines: `gate`,
`compare` (either side) and `run --baseline` exit 3 and say what is wrong,
before any traffic for `run`."""
import json
import re
import unittest

import hlib

# a message fragment that stands for "names a line and a column"
POSITION = re.compile(r"line \d+, column \d+")


def _mutations(text):
    """name -> (bytes of a broken results document, message fragment)."""
    good = json.loads(text)

    def edit(fn):
        d = json.loads(text)
        fn(d)
        return json.dumps(d).encode()

    def drop(key):
        return edit(lambda d: d.pop(key))

    def ep(key, value):
        return edit(lambda d: d["metrics"][0].__setitem__(key, value))

    assert good["metrics"], "the reference run measured nothing"
    return {
        # what the parser says depends on where the cut lands: what matters
        # is that the message points at the place (line and column)
        "truncated": (text[:len(text) // 2].encode(), POSITION),
        "truncated_one_byte": (text.rstrip()[:-1].encode(), POSITION),
        "empty": (b"", ""),
        "binary": (bytes(range(256)) * 8, ""),
        "top_level_array": (b"[1, 2, 3]", "object"),
        "wrong_schema": (edit(lambda d: d.__setitem__(
            "schema", "loadgate/results/v99")), "schema"),
        # (a document without "schema" is read as the original
        # specification's legacy baseline report: by design, not tested)
        "legacy_without_metrics": (drop("schema").replace(
            b'"metrics"', b'"metricz"'), "metrics"),
        "no_metrics": (drop("metrics"), "metrics"),
        "metrics_not_array": (edit(lambda d: d.__setitem__("metrics", 7)),
                              "metrics"),
        "corrupt_histogram": (ep("histogram", "v1:@@@@not-base64"),
                              "histogram"),
        "histogram_wrong_type": (ep("histogram", 12), "histogram"),
        "sample_size_string": (ep("sample_size", "many"), "sample_size"),
        "deep_nesting": (b"[" * 100000 + b"]" * 100000, "depth"),
        "nul_in_key": (text.replace('"schema"', '"sch\\u0000ema"', 1)
                       .encode(), "NUL"),
        "invalid_utf8": (text.replace("loadgate/results/v1",
                                      "loadgate/results/v1\udcff", 1)
                         .encode("utf-8", "surrogateescape"), ""),
    }


class CorruptInputs(hlib.ServerCase):
    def setUp(self):
        super().setUp()
        self.prof = self.write("p.yaml", hlib.profile(
            self.srv.url, duration="1s", users=2, extra="",
        ) + "thresholds:\n  - p95 < baseline + 50%\n")
        self.good = self.path("good.json")
        r = hlib.run(["run", self.prof, "--out", self.good, "-q"])
        self.assertEqual(r.code, 0, repr(r))
        with open(self.good, encoding="utf-8") as f:
            self.text = f.read()
        self.srv.heads.clear()

    def test_every_reader_refuses_with_exit_3(self):
        for name, (content, frag) in _mutations(self.text).items():
            bad = self.path("bad-%s.json" % name)
            with open(bad, "wb") as f:
                f.write(content)
            invocations = {
                "gate": ["gate", bad, "-q", "--junit", self.path("j.xml")],
                "compare_baseline": ["compare", bad, self.good],
                "compare_results": ["compare", self.good, bad],
                "run_baseline": ["run", self.prof, "--baseline", bad, "-q",
                                 "--out", self.path("r.json")],
                "report": ["report", bad, "--junit", self.path("rj.xml")],
            }
            for how, args in invocations.items():
                with self.subTest(name=name, how=how):
                    r = hlib.run(args, timeout=30)
                    self.assertEqual(r.code, 3, repr(r))
                    err = r.err.strip().splitlines()
                    self.assertTrue(any(l.startswith("loadgate: error: ") and
                                        bad in l for l in err), repr(r))
                    if isinstance(frag, re.Pattern):
                        self.assertRegex(r.err, frag)
                    else:
                        self.assertIn(frag.lower(), r.err.lower(), repr(r))
                    if how == "run_baseline":
                        # refused while preparing: nothing was run
                        self.assertLess(r.wall, 0.9, repr(r))
                        self.assertEqual(self.srv.heads, [],
                                         "traffic sent with a bad baseline")
            self.srv.heads.clear()
            hlib.validate_junit(self, self.path("j.xml"))

    def test_baseline_from_another_profile_is_refused(self):
        other = self.write("o.yaml", hlib.profile(
            self.srv.url, duration="1s", users=3) +
            "thresholds:\n  - p95 < baseline + 50%\n")
        self.srv.heads.clear()
        r = hlib.run(["run", other, "--baseline", self.good, "-q",
                      "--out", self.path("r.json")], timeout=30)
        self.assertEqual(r.code, 3, repr(r))
        self.assertIn("profile", r.err)

    def test_missing_baseline_required(self):
        r = hlib.run(["run", self.prof, "--baseline", self.path("nope.json"),
                      "--require-baseline", "-q"], timeout=30)
        self.assertEqual(r.code, 3, repr(r))
        self.assertIn("nope.json", r.err)


if __name__ == "__main__":
    unittest.main()
