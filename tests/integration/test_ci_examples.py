"""Every pipeline in ci-examples/ parses, and the exact loadgate commands it
contains run green against the demo service: shards, merge, gate,
baseline promotion, then a second pipeline run judged against that
baseline."""
import os
import re
import subprocess

import yaml

from lgtest import LOADGATE, SOURCE, DemoCase, load_json

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


class CiExamplesTest(DemoCase):
    def setUp(self):
        super().setUp()
        os.makedirs(self.path("perf"))
        self.write("perf/loadgate.yaml", PROFILE)
        self.bindir = os.path.dirname(os.path.abspath(LOADGATE))

    def start(self, line, env=None):
        e = dict(os.environ)
        e.pop("GITHUB_STEP_SUMMARY", None)
        e.pop("GITHUB_ACTIONS", None)
        e["PATH"] = self.bindir + os.pathsep + e["PATH"]
        e["TARGET"] = self.demo.url
        e.update(env or {})
        return subprocess.Popen(["bash", "-ec", line], cwd=self.tmp, env=e,
                                stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def sh(self, line, env=None):
        return self.side_by_side([(line, env)])[0]

    def side_by_side(self, jobs):
        """Runs (line, env) jobs at the same time, as a CI runs the shard
        jobs of a pipeline (merge refuses shards that did not run
        together); asserts that each succeeded."""
        procs = [(line, self.start(line, env)) for line, env in jobs]
        done = []
        for line, p in procs:
            out, err = p.communicate(timeout=120)
            self.assertEqual(p.returncode, 0, "%s\n%s%s" % (line, out, err))
            done.append(p)
        return done

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
            self.side_by_side([
                (line.replace("${{ matrix.shard }}", str(shard)), None)
                for shard in shards for step in jobs["load"]["steps"]
                for line in loadgate_lines(step.get("run", ""))])
            for step in jobs["gate"]["steps"]:
                for line in loadgate_lines(step.get("run", "")):
                    self.sh(line)
        self.twice(pipeline)
        self.assertTrue(os.path.exists(self.path(".loadgate/baselines/"
                                                 "main.json")))
        self.assertTrue(os.path.exists(self.path("junit.xml")))

    def test_github_ab(self):
        doc = yaml.safe_load(self.read("github-ab.yml"))
        lines = [line for step in doc["jobs"]["ab"]["steps"]
                 for line in loadgate_lines(step.get("run", ""))]
        self.assertEqual(len(lines), 1)
        self.assertTrue(lines[0].startswith("loadgate ab "))
        # A/A against the demo service: shortened, it must pass and write
        # both sides' results
        line = lines[0].replace("--until-decided 5m", "--until-decided 10s")
        self.sh(line, env={"A_URL": self.demo.url, "B_URL": self.demo.url,
                           "GITHUB_STEP_SUMMARY": self.path("summary.md")})
        for f in ("results-a.json", "results-b.json", "junit.xml"):
            self.assertTrue(os.path.exists(self.path(f)), f)

    def test_gitlab_ci(self):
        doc = yaml.safe_load(self.read("gitlab-ci.yml"))
        n = doc["load"]["parallel"]
        self.assertEqual(doc["gate"]["allow_failure"]["exit_codes"], [3])
        self.assertEqual(doc["gate"]["artifacts"]["reports"]["junit"],
                         "junit.xml")
        self.merged = "results.json"

        def pipeline():
            self.side_by_side([
                (line, {"CI_NODE_INDEX": str(i), "CI_NODE_TOTAL": str(n)})
                for i in range(1, n + 1)
                for line in loadgate_lines("\n".join(doc["load"]["script"]))])
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
            # the parallel stages side by side, then the rest in order
            shards = [line for line in lines if "--shard" in line]
            self.assertEqual(len(shards), 2)
            self.side_by_side([(line, None) for line in shards])
            for line in lines:
                if line not in shards:
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
            self.side_by_side([
                (line, {"CIRCLE_NODE_INDEX": str(i),
                        "CIRCLE_NODE_TOTAL": str(n)})
                for i in range(n) for line in commands("load")])
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
            self.assertEqual(spec["parallelism"], n)  # the pods run together
            self.side_by_side([
                (local(arg), {"JOB_COMPLETION_INDEX": str(i)})
                for i in range(n) for arg in container["args"]])
            for arg in gate["spec"]["template"]["spec"]["containers"][0][
                    "args"]:
                self.sh(local(arg))
        self.twice(pipeline, "cp results/results.json "
                   "results/baselines/main.json")


if __name__ == "__main__":
    import unittest
    unittest.main()
