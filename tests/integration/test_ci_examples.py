"""Every pipeline in ci-examples/ parses, and the exact loadgate commands it
contains run green against the demo service: shards, merge, gate,
baseline promotion, then a second pipeline run judged against that
baseline."""
import os
import re
import subprocess

import yaml

from lgtest import LOADGATE, SOURCE, DemoServer, TempDirCase, load_json

EXAMPLES = os.path.join(SOURCE, "ci-examples")

PROFILE = """\
version: 1
target: ${TARGET}
load:
  users: 20
  duration: 2s
  warmup: 500ms
  think_time: 20ms..60ms
scenarios:
  - name: browse
    steps:
      - get: /api/health
      - get: /api/failover/stats
thresholds:
  - p95 < 1s
  - error_rate < 5%
  # an A/A pair on a busy CI machine: the test is about the commands
  - p95 < baseline + 100%
"""


def loadgate_lines(text):
    """The shell lines of a script that call loadgate."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("- "):
            line = line[2:].strip()
        if line.startswith("loadgate "):
            out.append(line)
    return out


class CiExamplesTest(TempDirCase):
    @classmethod
    def setUpClass(cls):
        cls.demo = DemoServer()

    @classmethod
    def tearDownClass(cls):
        cls.demo.stop()

    def setUp(self):
        super().setUp()
        os.makedirs(self.path("perf"))
        self.write("perf/loadgate.yaml", PROFILE)
        self.bindir = os.path.dirname(os.path.abspath(LOADGATE))

    def sh(self, line, env=None):
        e = dict(os.environ)
        e.pop("GITHUB_STEP_SUMMARY", None)
        e.pop("GITHUB_ACTIONS", None)
        e["PATH"] = self.bindir + os.pathsep + e["PATH"]
        e["TARGET"] = self.demo.url
        e.update(env or {})
        p = subprocess.run(["bash", "-ec", line], cwd=self.tmp, env=e,
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, "%s\n%s%s" %
                         (line, p.stdout, p.stderr))
        return p

    def twice(self, pipeline, promote=None):
        """Runs the pipeline, promotes its result if it does not, runs it
        again (now judged against that baseline)."""
        for _ in range(2):
            pipeline()
            if promote:
                self.sh(promote)
        r = load_json(self.path(self.merged))
        self.assertGreater(r["total_requests"], 40)
        self.assertIsNone(r["meta"].get("shard"))

    def read(self, name):
        with open(os.path.join(EXAMPLES, name), encoding="utf-8") as f:
            return f.read()

    def test_github_actions(self):
        doc = yaml.safe_load(self.read("github-actions.yml"))
        jobs = doc["jobs"]
        shards = jobs["load"]["strategy"]["matrix"]["shard"]
        self.assertEqual(shards, [1, 2])
        self.merged = "results.json"

        def pipeline():
            for shard in shards:
                for step in jobs["load"]["steps"]:
                    for line in loadgate_lines(step.get("run", "")):
                        self.sh(line.replace("${{ matrix.shard }}",
                                             str(shard)))
            for step in jobs["gate"]["steps"]:
                for line in loadgate_lines(step.get("run", "")):
                    self.sh(line)
        self.twice(pipeline)
        self.assertTrue(os.path.exists(self.path(".loadgate/baselines/"
                                                 "main.json")))
        self.assertTrue(os.path.exists(self.path("junit.xml")))

    def test_gitlab_ci(self):
        doc = yaml.safe_load(self.read("gitlab-ci.yml"))
        n = doc["load"]["parallel"]
        self.assertEqual(doc["gate"]["allow_failure"]["exit_codes"], [3])
        self.assertEqual(doc["gate"]["artifacts"]["reports"]["junit"],
                         "junit.xml")
        self.merged = "results.json"

        def pipeline():
            for i in range(1, n + 1):
                for line in loadgate_lines("\n".join(doc["load"]["script"])):
                    self.sh(line, {"CI_NODE_INDEX": str(i),
                                   "CI_NODE_TOTAL": str(n)})
            for job in ("gate", "promote-baseline"):
                for line in loadgate_lines("\n".join(doc[job]["script"])):
                    self.sh(line)
        self.twice(pipeline)

    def test_jenkinsfile(self):
        text = self.read("Jenkinsfile")
        lines = re.findall(r"sh '(loadgate [^']*)'", text)
        self.assertGreaterEqual(len(lines), 4)
        self.assertIn("post {", text)
        self.merged = "results.json"

        def pipeline():
            for line in lines:
                self.sh(line)
        self.twice(pipeline)

    def test_circleci(self):
        doc = yaml.safe_load(self.read("circleci.yml"))
        n = doc["jobs"]["load"]["parallelism"]
        self.merged = "results.json"

        def commands(job):
            out = []
            for step in doc["jobs"][job]["steps"]:
                if isinstance(step, dict) and "run" in step:
                    run = step["run"]
                    cmd = run["command"] if isinstance(run, dict) else run
                    out += loadgate_lines(cmd)
            return out

        def pipeline():
            for i in range(n):
                for line in commands("load"):
                    self.sh(line, {"CIRCLE_NODE_INDEX": str(i),
                                   "CIRCLE_NODE_TOTAL": str(n)})
            os.makedirs(self.path("test-results/loadgate"), exist_ok=True)
            for line in commands("gate"):
                self.sh(line)
        self.twice(pipeline, "loadgate baseline save results.json "
                   "--name main")

    def test_kubernetes(self):
        docs = list(yaml.safe_load_all(self.read("kubernetes.yaml")))
        shards, gate = docs
        spec = shards["spec"]
        self.assertEqual(spec["completionMode"], "Indexed")
        n = spec["completions"]
        os.makedirs(self.path("results/baselines"))
        self.merged = "results/results.json"

        def local(arg):
            # Kubernetes expands $(VAR) itself; the mounts become folders.
            arg = re.sub(r"\$\((\w+)\)", r"${\1}", arg)
            return (arg.replace("/perf/", self.path("perf") + "/")
                    .replace("/results/", self.path("results") + "/"))

        def pipeline():
            container = spec["template"]["spec"]["containers"][0]
            for i in range(n):
                for arg in container["args"]:
                    self.sh(local(arg), {"JOB_COMPLETION_INDEX": str(i)})
            for arg in gate["spec"]["template"]["spec"]["containers"][0][
                    "args"]:
                self.sh(local(arg))
        self.twice(pipeline, "cp results/results.json "
                   "results/baselines/main.json")


if __name__ == "__main__":
    import unittest
    unittest.main()
