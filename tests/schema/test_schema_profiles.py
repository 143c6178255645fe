"""schema/profile.schema.json against the real profile parser.

Every bundled profile that `loadgate validate` accepts must validate
against the schema, and a table of small profiles, some accepted and some
refused by the parser (unknown keys at every level, values of the wrong
shape), must get the same verdict from the schema as from the parser.
${...} strings are left as they are (the schema accepts them as strings).

Exit 77 (skipped) when python3-jsonschema or python3-yaml is missing.
"""
import copy
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

try:
    import jsonschema
    import yaml
except ImportError as e:  # pragma: no cover - depends on the machine
    print("skipped: %s (apt-get install python3-jsonschema python3-yaml)" % e)
    sys.exit(77)

SOURCE = os.path.abspath(os.environ.get(
    "LOADGATE_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", "..")))
LOADGATE = os.environ.get("LOADGATE", os.path.join(SOURCE, "build", "loadgate"))
SCHEMA_PATH = os.path.join(SOURCE, "schema", "profile.schema.json")

# Variables the bundled profiles read without a default.
ENV = {
    "TARGET": "http://127.0.0.1:1",
    "LG_TEST_TOKEN": "t0ken",
    "API_TOKEN": "t0ken",
}

# Profiles shipped for users: they must all be accepted by the parser and
# carry the editor's modeline.
SHIPPED = ["ci-examples/demo/profile.yaml", "bench/verdicts.yaml"]
# Other profiles in the tree: those the parser accepts must validate; some
# are broken on purpose (fuzz seeds), those are only reported.
OTHERS = ["tests/profile/profiles/*.yaml", "tests/profile/profiles/*.yml",
          "tests/fuzz/corpus/fuzz_profile/*.yaml"]
MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$", re.M)


def parser_accepts(path):
    """(accepted, message) from `loadgate validate path`."""
    env = dict(os.environ)
    env.update(ENV)
    p = subprocess.run([LOADGATE, "validate", path], capture_output=True,
                       text=True, env=env, timeout=60)
    if p.returncode not in (0, 2):
        raise AssertionError("loadgate validate %s: exit %d: %s" %
                             (path, p.returncode, p.stderr))
    return p.returncode == 0, (p.stdout + p.stderr).strip()


def load_schema():
    with open(SCHEMA_PATH, encoding="utf-8") as f:
        return json.load(f)


def readme_profile():
    """The profile of README.md's "Profiles" section."""
    with open(os.path.join(SOURCE, "README.md"), encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"## Profiles\s+```yaml\n(.*?)```", text, re.S)
    return m.group(1) if m else None


class SchemaCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.schema = load_schema()
        cls.validator = jsonschema.Draft7Validator(cls.schema)
        cls.tmp = tempfile.TemporaryDirectory()
        # files the cases name (the parser reads them, relative to the
        # profile's folder)
        for name, text in (("users.csv", "user,password\nu1,p1\nu2,p2\n"),
                           ("ca.pem", "not checked before the run\n"),
                           ("body.txt", "hello\n")):
            with open(os.path.join(cls.tmp.name, name), "w") as f:
                f.write(text)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def schema_errors(self, doc):
        return ["%s: %s" % ("/".join(str(p) for p in e.absolute_path) or "(top)",
                            e.message[:200])
                for e in self.validator.iter_errors(doc)]

    def write(self, name, text):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path


class TestSchemaFile(SchemaCase):
    def test_is_a_valid_draft07_schema(self):
        self.assertEqual(self.schema["$schema"],
                         "http://json-schema.org/draft-07/schema#")
        jsonschema.Draft7Validator.check_schema(self.schema)

    def test_every_object_refuses_unknown_keys(self):
        # The parser refuses unknown keys everywhere; so must the schema
        # wherever it lists properties.
        seen = []

        def walk(node, where):
            if isinstance(node, dict):
                if "properties" in node:
                    seen.append(where)
                    self.assertIn("additionalProperties", node, where)
                    self.assertIs(node["additionalProperties"], False, where)
                for k, v in node.items():
                    walk(v, where + "/" + k)
            elif isinstance(node, list):
                for i, v in enumerate(node):
                    walk(v, "%s/%d" % (where, i))

        walk(self.schema, "#")
        self.assertGreaterEqual(len(seen), 8, seen)


class TestBundledProfiles(SchemaCase):
    def check_file(self, path, must_accept):
        rel = os.path.relpath(path, SOURCE)
        accepted, msg = parser_accepts(path)
        if must_accept:
            self.assertTrue(accepted, "%s: the parser refuses it: %s" % (rel, msg))
        if not accepted:
            return False
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
        self.assertEqual(self.schema_errors(doc), [],
                         "%s: the parser accepts it, the schema does not" % rel)
        return True

    def test_shipped_profiles_validate(self):
        for rel in SHIPPED:
            with self.subTest(profile=rel):
                self.check_file(os.path.join(SOURCE, rel), True)

    def test_readme_profile_validates(self):
        text = readme_profile()
        self.assertIsNotNone(text, "README.md has no ```yaml block under Profiles")
        self.check_file(self.write("readme.yaml", text), True)

    def test_other_profiles_the_parser_accepts_validate(self):
        checked = 0
        for pattern in OTHERS:
            for path in sorted(glob.glob(os.path.join(SOURCE, pattern))):
                with self.subTest(profile=os.path.relpath(path, SOURCE)):
                    checked += self.check_file(path, False)
        # full.yaml (every field) and the fuzz seeds demo/full/minimal
        self.assertGreaterEqual(checked, 2)
        self.check_file(os.path.join(SOURCE, "tests/profile/profiles/full.yaml"),
                        True)

    def test_modelines_point_at_the_schema(self):
        # required in the shipped profiles and full.yaml; wherever else one
        # is written, it must lead to the schema
        required = [os.path.join(SOURCE, p) for p in
                    SHIPPED + ["tests/profile/profiles/full.yaml"]]
        paths = set(required)
        for pattern in OTHERS:
            paths.update(glob.glob(os.path.join(SOURCE, pattern)))
        for path in sorted(paths):
            with self.subTest(profile=os.path.relpath(path, SOURCE)):
                with open(path, encoding="utf-8", errors="replace") as f:
                    m = MODELINE.search(f.read())
                if m is None:
                    self.assertNotIn(path, required,
                                     "no '# yaml-language-server: $schema=' line")
                    continue
                target = os.path.normpath(
                    os.path.join(os.path.dirname(path), m.group(1)))
                self.assertEqual(target, os.path.normpath(SCHEMA_PATH))


# ---- parser and schema agree ------------------------------------------

BASE = {
    "version": 1,
    "target": "http://127.0.0.1:8080",
    "defaults": {"timeout": "10s", "headers": {"Authorization": "Bearer x"}},
    "load": {"users": 2, "duration": "1s"},
    "scenarios": [{"name": "s", "weight": 1, "steps": [
        {"get": "/a", "expect": {"status": 200}, "capture": {"id": "/id"}},
    ]}],
    "thresholds": ["p95 < 1s",
                   {"endpoint": "GET /a", "check": "p99 < 2s"}],
}


def step(p):
    return p["scenarios"][0]["steps"][0]


def setk(getter, key, value):
    def f(p):
        getter(p)[key] = value
    return f


def delk(getter, key):
    def f(p):
        del getter(p)[key]
    return f


def both(*fs):
    def f(p):
        for g in fs:
            g(p)
    return f


def grpc_step(extra):
    def f(p):
        s = {"grpc": "/helloworld.Greeter/SayHello"}
        s.update(extra)
        p["scenarios"][0]["steps"].append(s)
    return f


TOP = lambda p: p
LOAD = lambda p: p["load"]
DEFAULTS = lambda p: p["defaults"]
SCEN = lambda p: p["scenarios"][0]
STEP = step
EXPECT = lambda p: step(p)["expect"]
TH = lambda p: p["thresholds"][1]

# (what, change to BASE, accepted by the parser and by the schema)
CASES = [
    ("the base profile", lambda p: None, True),
    # unknown keys at every level
    ("unknown top key", setk(TOP, "thresolds", []), False),
    ("unknown defaults key", setk(DEFAULTS, "timeot", "1s"), False),
    ("unknown load key", setk(LOAD, "usres", 1), False),
    ("unknown stage key",
     both(delk(LOAD, "users"),
          setk(LOAD, "stages", [{"duration": "1s", "rate": "1/s", "ramp": 1}])),
     False),
    ("unknown scenario key", setk(SCEN, "wieght", 1), False),
    ("unknown step key", setk(STEP, "bogus", 1), False),
    ("unknown expect key", setk(EXPECT, "statsu", 200), False),
    ("unknown threshold key", setk(TH, "endpont", "x"), False),
    ("method in upper case", lambda p: STEP(p).update({"GET": STEP(p).pop("get")}), False),
    # accepted variants
    ("open model, rate", both(delk(LOAD, "users"), setk(LOAD, "rate", "5/s"),
                              setk(LOAD, "max_in_flight", 8)), True),
    ("open model, stages without duration",
     both(delk(LOAD, "users"), delk(LOAD, "duration"),
          setk(LOAD, "stages", [{"duration": "1s", "rate": "0/s"},
                                {"duration": "1m30s", "rate": 3000}])), True),
    ("requests instead of duration",
     both(delk(LOAD, "duration"), setk(LOAD, "requests", 100)), True),
    ("bare numbers", both(setk(LOAD, "duration", 2.5), setk(LOAD, "warmup", 0),
                          setk(LOAD, "spawn_rate", 10),
                          setk(LOAD, "think_time", 1)), True),
    ("think time range and ms", setk(LOAD, "think_time", "250ms..1.5s"), True),
    ("warmup 0s", setk(LOAD, "warmup", "0s"), True),
    ("durations from the environment",
     both(setk(LOAD, "duration", "${LG_DUR:-5s}"), setk(LOAD, "users", "${LG_U:-3}")),
     True),
    ("status list", setk(EXPECT, "status", [200, 204]), True),
    ("every method and a raw body",
     lambda p: SCEN(p)["steps"].extend(
         [{"post": "/p", "json": {"a": [1, None, True]}},
          {"put": "/{{id}}", "body": "raw"}, {"patch": "/x", "body": ""},
          {"delete": "/x", "timeout": "250ms", "name": "DEL"},
          {"head": "/", "headers": {"X-Trace": "on"}}]), True),
    ("engine fast", setk(TOP, "engine", "fast"), True),
    ("endpoint ALL, baseline", both(setk(TH, "endpoint", "ALL"),
                                    setk(TOP, "baseline", "main")), True),
    ("relative thresholds", setk(TOP, "thresholds",
                                 ["p99.9 <= baseline + 50ms", "rps > baseline - 10%",
                                  "error_rate<1%"]), True),
    ("no name, no weight", both(delk(SCEN, "name"), delk(SCEN, "weight")), True),
    # refused shapes
    ("json and body together",
     both(setk(STEP, "json", {"a": 1}), setk(STEP, "body", "x")), False),
    ("two methods", setk(STEP, "post", "/b"), False),
    ("no method", delk(STEP, "get"), False),
    ("rate and stages together",
     both(delk(LOAD, "users"), setk(LOAD, "rate", "1/s"),
          setk(LOAD, "stages", [{"duration": "1s", "rate": "1/s"}])), False),
    ("no users, rate or stages", delk(LOAD, "users"), False),
    ("no duration or requests", delk(LOAD, "duration"), False),
    ("stage without rate",
     both(delk(LOAD, "users"), setk(LOAD, "stages", [{"duration": "1s"}])), False),
    ("timeout 0s", setk(DEFAULTS, "timeout", "0s"), False),
    ("duration in words", setk(LOAD, "duration", "5 minutes"), False),
    ("rate per second spelt out", setk(LOAD, "spawn_rate", "5/sec"), False),
    ("users 0", setk(LOAD, "users", 0), False),
    ("weight 0", setk(SCEN, "weight", 0), False),
    ("status 99", setk(EXPECT, "status", 99), False),
    ("empty status list", setk(EXPECT, "status", []), False),
    ("capture without a pointer", setk(STEP, "capture", {"id": "id"}), False),
    ("capture name with a dot", setk(STEP, "capture", {"a.b": "/id"}), False),
    ("header name with a space", setk(DEFAULTS, "headers", {"X Bad": "1"}), False),
    ("path without a slash", setk(STEP, "get", "api"), False),
    ("engine turbo", setk(TOP, "engine", "turbo"), False),
    # http: the HTTP version (profile/src/profile_http.c)
    ("http 2", setk(TOP, "http", 2), True),
    # grpc: steps (profile/src/profile_grpc.c); "needs http: 2" is the
    # parser's alone (tests/profile/test_profile_grpc.c)
    ("grpc step", both(setk(TOP, "http", 2), grpc_step({
        "message": {"base64": "CgV3b3JsZA=="}, "metadata": {"x-t": "a"},
        "expect": {"grpc_status": [0, "NOT_FOUND"]}, "timeout": "2s",
        "name": "GRPC hello"})), True),
    ("grpc step, message file and base64", both(setk(TOP, "http", 2), grpc_step({
        "message": {"base64": "AA==", "file": "x.bin"}})), False),
    ("grpc step with a json body",
     both(setk(TOP, "http", 2), grpc_step({"json": {"a": 1}})), False),
    ("grpc step with a capture",
     both(setk(TOP, "http", 2), grpc_step({"capture": {"a": "/a"}})), False),
    ("grpc path without a method", both(setk(TOP, "http", 2), grpc_step({
        "grpc": "/only"})), False),
    ("grpc and get in one step", both(setk(TOP, "http", 2), grpc_step({
        "get": "/x"})), False),
    ("message on an HTTP step", setk(STEP, "message", {"base64": "AA=="}),
     False),
    ("metadata on an HTTP step", setk(STEP, "metadata", {"a": "b"}), False),
    ("http 1.1", setk(TOP, "http", 1.1), True),
    ("http auto", setk(TOP, "http", "auto"), True),
    ("http 3", setk(TOP, "http", 3), False),
    ("http map", setk(TOP, "http", {"version": 2, "connections": 10,
                                    "max_streams": 8}), True),
    ("http map without version", setk(TOP, "http", {"connections": 10}),
     False),
    ("http map, unknown key", setk(TOP, "http", {"version": 2, "pool": 1}),
     False),
    ("http 1.1 with connections",
     setk(TOP, "http", {"version": 1.1, "connections": 2}), False),
    ("http connections 0", setk(TOP, "http", {"version": 2, "connections": 0}),
     False),
    ("version 2", setk(TOP, "version", 2), False),
    ("no version", delk(TOP, "version"), False),
    ("no target", delk(TOP, "target"), False),
    ("target with a query", setk(TOP, "target", "http://h:1/?a=b"), False),
    ("target ftp", setk(TOP, "target", "ftp://h"), False),
    ("empty scenarios", setk(TOP, "scenarios", []), False),
    ("empty steps", setk(SCEN, "steps", []), False),
    ("threshold map without check", delk(TH, "check"), False),
    ("threshold on an unknown stat", setk(TOP, "thresholds", ["latency < 1s"]), False),
    ("threshold without a limit", setk(TOP, "thresholds", ["p95 <"]), False),
    ("a list as defaults", setk(TOP, "defaults", []), False),
    # TLS, redirects, data feeders, wait_for, setup and teardown
    ("target map", setk(TOP, "target", {"url": "https://127.0.0.1:8443",
                                        "insecure": True, "ca_file": "ca.pem"}),
     True),
    ("target map without url", setk(TOP, "target", {"insecure": True}), False),
    ("target map, unknown key",
     setk(TOP, "target", {"url": "https://h:1", "verify": False}), False),
    ("defaults TLS and redirects",
     both(setk(DEFAULTS, "insecure", False), setk(DEFAULTS, "ca_file", "ca.pem"),
          setk(DEFAULTS, "follow_redirects", True)), True),
    ("insecure maybe", setk(DEFAULTS, "insecure", "maybe"), False),
    ("data feeders", both(setk(TOP, "data", {"file": "users.csv", "order": "random"}),
                          setk(SCEN, "data", {"file": "users.csv"})), True),
    ("data without file", setk(TOP, "data", {"order": "random"}), False),
    ("data order shuffled",
     setk(TOP, "data", {"file": "users.csv", "order": "shuffled"}), False),
    ("data, unknown key", setk(SCEN, "data", {"file": "users.csv", "skip": 1}),
     False),
    ("data as a string", setk(TOP, "data", "users.csv"), False),
    ("wait_for get", setk(TOP, "wait_for", {"get": "/health", "timeout": "5s",
                                            "interval": "100ms"}), True),
    ("wait_for head", setk(TOP, "wait_for", {"head": "/"}), True),
    ("wait_for get and head", setk(TOP, "wait_for", {"get": "/", "head": "/"}),
     False),
    ("wait_for without a method", setk(TOP, "wait_for", {"timeout": "5s"}), False),
    ("wait_for, unknown key", setk(TOP, "wait_for", {"get": "/", "retries": 3}),
     False),
    ("setup and teardown",
     both(setk(TOP, "setup", [{"post": "/login", "form": {"u": "a", "p": "${LG_P:-x}"},
                               "capture": {"tok": {"header": "X-Token"}}}]),
          setk(TOP, "teardown", [{"delete": "/session"}])), True),
    ("setup step, unknown key", setk(TOP, "setup", [{"get": "/", "retry": 1}]), False),
    ("setup as a map", setk(TOP, "setup", {"get": "/"}), False),
    ("query and form", lambda p: SCEN(p)["steps"].append(
        {"post": "/f", "query": {"page": 2, "q": "{{id}}"}, "form": {"a": "b"}}),
     True),
    ("form and json together",
     both(setk(STEP, "json", {"a": 1}), setk(STEP, "form", {"a": "b"})), False),
    ("body from a file", setk(STEP, "body", "@body.txt"), True),
    ("expect body_contains and json",
     both(setk(EXPECT, "body_contains", "ok"),
          setk(EXPECT, "json", {"/status": "ok", "/n": 1})), True),
    ("expect json pointer without a slash", setk(EXPECT, "json", {"status": "ok"}),
     False),
    ("expect json empty", setk(EXPECT, "json", {}), False),
    ("captures by json, header and regex",
     setk(STEP, "capture", {"a": {"json": "/id"}, "b": {"header": "Location"},
                            "c": {"regex": "id=([0-9]+)"}}), True),
    ("capture with two sources",
     setk(STEP, "capture", {"a": {"json": "/id", "header": "X"}}), False),
    ("capture by xpath", setk(STEP, "capture", {"a": {"xpath": "//id"}}), False),
    ("capture header with a space", setk(STEP, "capture", {"a": {"header": "X Y"}}),
     False),
    ("threshold map without endpoint", setk(TOP, "thresholds", [{"check": "p95 < 1s"}]),
     True),
    ("threshold severity, for, abort, min_effect",
     lambda p: TH(p).update({"severity": "warn", "for": "10s", "abort": True,
                             "min_effect": "5ms"}), True),
    ("threshold severity fatal", setk(TH, "severity", "fatal"), False),
    ("threshold for 0s", setk(TH, "for", "0s"), False),
    ("threshold, unknown key", setk(TH, "sevrity", "warn"), False),
    # streamed responses
    ("stream: sse", setk(STEP, "stream", "sse"), True),
    ("stream: lines with an slo",
     both(setk(STEP, "stream", "lines"),
          setk(STEP, "slo", {"ttft": "500ms", "tpot": "50ms"})), True),
    ("stream: an unknown kind", setk(STEP, "stream", "websocket"), False),
    ("stream: the long form",
     setk(STEP, "stream", {"type": "sse", "usage": "/usage/completion_tokens",
                           "tokens": {"pointer": "/choices/0/delta/content",
                                      "count": "words"},
                           "done": "[DONE]"}), True),
    ("stream: done false", setk(STEP, "stream", {"type": "sse", "done": False}),
     True),
    ("stream: an empty done", setk(STEP, "stream", {"type": "sse", "done": ""}),
     False),
    ("stream: a map without type",
     setk(STEP, "stream", {"tokens": {"pointer": "/t"}}), False),
    ("stream: an unknown key", setk(STEP, "stream", {"type": "sse", "tokns": {}}),
     False),
    ("stream: words without a pointer",
     setk(STEP, "stream", {"type": "sse", "tokens": {"count": "words"}}), False),
    ("stream: events without a pointer",
     setk(STEP, "stream", {"type": "sse", "tokens": {"count": "events"}}), True),
    ("stream: a pointer without a slash",
     setk(STEP, "stream", {"type": "sse", "tokens": {"pointer": "t"}}), False),
    ("slo without stream", setk(STEP, "slo", {"ttft": "1s"}), False),
    ("streaming thresholds",
     setk(TOP, "thresholds", ["ttft p95 < 800ms", "itl p99 < baseline + 10%",
                              "tpot avg < 50ms", "goodput > baseline - 5%",
                              "tokens_per_s > 100/s", "stream_errors < 1"]),
     True),
    ("a series without a time statistic",
     setk(TOP, "thresholds", ["ttft < 800ms"]), False),
    ("slo with an unknown key",
     both(setk(STEP, "stream", "sse"), setk(STEP, "slo", {"itl": "1s"})), False),
]


# Values of the small grammars (durations, rates, think times, counts),
# written as strings; the schema's patterns must say what the parser says.
# Magnitudes (a century, 1e9/s) are bounded only for bare numbers, and
# a think time range whose minimum exceeds its maximum (3s..1s) is left to
# the parser.
VALUES = [
    ("duration", LOAD, ["300ms", "10s", "5m", "1h", "1m30s", "1h2m3s", "250us",
                        "1.5s", ".5s", "2", "2.25", "1s500ms", "0", "0s", "0.0s",
                        "", "-5s", "-1", "5 s", "s", "5x", "1e3", "inf", "nan",
                        "0x10", "1.", "5mm", "10d", "5S", "1m 30s", "${LG_D:-9s}"]),
    ("warmup", LOAD, ["0", "0s", "30s", "-1s", "1.5m", "x"]),
    ("spawn_rate", LOAD, ["50/s", "3000/m", "7200/h", "12", "0.5", "0/s",
                          "50/sec", "/s", "-5/s", "50 /s", "50/", "fast",
                          "1e12", "5/S"]),
    ("think_time", LOAD, ["1s", "1s..3s", "0..1", "250ms..1.5s", "3s..",
                          "..3s", "1s....3s", "1s-3s", "1s .. 3s"]),
    ("users", LOAD, ["1", "1000", "0", "-1", "1.5", "01", "+1", "1 000"]),
    ("weight", SCEN, ["1", "7", "1000000", "0", "x"]),
]


class TestParserAndSchemaAgree(SchemaCase):
    def test_value_grammars(self):
        n = 0
        verdicts = set()
        for key, where, values in VALUES:
            for value in values:
                with self.subTest(key=key, value=value):
                    doc = copy.deepcopy(BASE)
                    where(doc)[key] = value
                    text = yaml.safe_dump(doc, sort_keys=False)
                    # the parser and the schema must read a string
                    self.assertEqual(where(yaml.safe_load(text))[key], value)
                    path = self.write("value%d.yaml" % n, text)
                    n += 1
                    got, msg = parser_accepts(path)
                    errors = self.schema_errors(yaml.safe_load(text))
                    self.assertEqual(not errors, got,
                                     "parser: %s\nschema: %s" % (msg, errors))
                    verdicts.add(got)
        self.assertEqual(verdicts, {True, False})

    def test_cases(self):
        self.assertGreaterEqual(len(CASES), 40)
        for i, (what, change, accepted) in enumerate(CASES):
            with self.subTest(case=what):
                doc = copy.deepcopy(BASE)
                change(doc)
                text = yaml.safe_dump(doc, sort_keys=False)
                path = self.write("case%d.yaml" % i, text)
                got, msg = parser_accepts(path)
                self.assertEqual(got, accepted,
                                 "parser: %s\n%s" % (msg, text))
                errors = self.schema_errors(yaml.safe_load(text))
                self.assertEqual(not errors, accepted,
                                 "schema: %s\n%s" % (errors, text))


if __name__ == "__main__":
    unittest.main(verbosity=2)
