"""Resource limits and file-system faults: too few file descriptors,
output folders missing or not folders, a full disk, the results file
removed while the run is going."""
import os
import subprocess
import time
import unittest

import hlib


class Resources(hlib.ServerCase):
    def prof(self, users=2, duration="1s"):
        return self.write("p.yaml", hlib.profile(
            self.srv.url, users=users, duration=duration, timeout="3s"))

    def test_low_soft_fd_limit_is_raised_to_the_hard_limit(self):
        import resource
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        if hard != resource.RLIM_INFINITY and hard < 1200:
            self.skipTest("hard file limit %d too low for this test" % hard)
        r = hlib.run(["run", self.prof(users=400), "-q", "--out",
                      self.path("r.json")], nofile=64, timeout=60)
        self.assertEqual(r.code, 0, repr(r))
        res = self.assert_valid_json(self.path("r.json"))
        self.assertEqual(res["concurrent_users"], 400)
        self.assertEqual(hlib.errors_by_class(res), {})

    def test_fd_limit_too_low_is_a_clear_error_before_the_run(self):
        prof = self.prof(users=400)
        self.srv.heads.clear()
        p = subprocess.run(
            ["/bin/sh", "-c", 'ulimit -n 64 && exec "$0" "$@"',
             hlib.LOADGATE, "run", prof, "-q", "--out", self.path("r.json"),
             "--junit", self.path("j.xml")],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("file descriptors", p.stderr)
        self.assertIn("ulimit -n", p.stderr)
        self.assertEqual(self.srv.heads, [], "traffic sent")
        hlib.validate_junit(self, self.path("j.xml"))

    def test_output_not_writable(self):
        prof = self.prof()
        afile = self.write("a-file", "x")
        cases = {
            "missing folder": ["--out", self.path("no/such/dir/r.json")],
            "file as folder": ["--out", os.path.join(afile, "r.json")],
            "junit in missing folder": ["--out", self.path("r.json"),
                                        "--junit", self.path("nope/j.xml")],
            "markdown is a folder": ["--out", self.path("r2.json"),
                                     "--markdown", self.tmp],
        }
        for name, extra in cases.items():
            with self.subTest(name):
                r = hlib.run(["run", prof, "-q", *extra], timeout=60)
                self.assertEqual(r.code, 3, repr(r))
                self.assertIn("loadgate: error: ", r.err)
                self.assertIn("cannot write", r.err)
                self.assert_no_temp_files(self.tmp)
        self.assertEqual(sorted(os.listdir(self.tmp)),
                         ["a-file", "p.yaml", "r.json", "r2.json"])
        self.assert_valid_json(self.path("r.json"))

    def test_results_removed_mid_run_are_written_at_the_end(self):
        out = self.path("r.json")
        with open(out, "w") as f:
            f.write("stale")
        p = subprocess.Popen([hlib.LOADGATE, "run", self.prof(duration="2s"),
                              "-q", "--out", out], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        time.sleep(0.8)
        os.unlink(out)
        _, err = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 0, err)
        res = self.assert_valid_json(out)
        self.assertGreater(res["total_requests"], 0)
        self.assert_no_temp_files(self.tmp)

    def test_disk_full(self):
        mnt = self.path("tiny")
        os.mkdir(mnt)
        m = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k",
                            "tmpfs", mnt], capture_output=True, text=True)
        if m.returncode != 0:
            self.skipTest("cannot mount a tmpfs (%s): disk full not "
                          "simulated" % m.stderr.strip())
        try:
            with open(os.path.join(mnt, "fill"), "wb") as f:
                try:
                    f.write(b"\0" * (60 * 1024))
                except OSError:
                    pass
            r = hlib.run(["run", self.prof(), "-q",
                          "--out", self.path("r.json"),
                          "--junit", os.path.join(mnt, "j.xml"),
                          "--markdown", os.path.join(mnt, "s.md"),
                          "--html", os.path.join(mnt, "h.html")],
                         timeout=60)
            self.assertEqual(r.code, 3, repr(r))
            self.assertIn("No space left on device", r.err)
            # What fit is whole (atomic writes); nothing else is left.
            left = set(os.listdir(mnt)) - {"fill"}
            self.assertTrue(left <= {"j.xml", "s.md", "h.html"}, left)
            self.assertNotEqual(left, {"j.xml", "s.md", "h.html"})
            self.assert_no_temp_files(mnt)
            if "j.xml" in left:
                hlib.validate_junit(self, os.path.join(mnt, "j.xml"))
            self.assert_valid_json(self.path("r.json"))
        finally:
            subprocess.run(["umount", mnt], capture_output=True)


if __name__ == "__main__":
    unittest.main()
