"""Hostile profiles through the real binary: each is refused with exit 2
and a file:line:col reason, by `validate` and by `run`, in bounded time
and memory (an address-space cap where the build allows it, and the
child's measured peak RSS)."""
import os
import re
import unittest

import hlib

MEM_CAP = 1 << 30          # RLIMIT_AS for the non-sanitizer build
RSS_LIMIT_KIB = 256 * 1024  # measured peak, any build
WALL_LIMIT = 10.0


def _laughs():
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 10):
        refs = ", ".join(["*a%d" % (i - 1)] * 9)
        lines.append("a%d: &a%d [%s]" % (i, i, refs))
    return ("version: 1\n" + "\n".join(lines) + "\n").encode()


# name, content, expected (line, col) or None when only the file is named,
# a fragment the message must contain.
CASES = [
    ("billion_laughs", _laughs(), (3, 10), "alias"),
    ("deep_flow", b"version: 1\nx: " + b"[" * 200000 + b"]" * 200000 + b"\n",
     (2, None), "nesting"),
    ("deep_block", b"version: 1\nx:\n" + b"".join(
        b" " * (i + 1) + b"k%d:\n" % i for i in range(300)), (None, None),
     "nesting"),
    ("huge_scalar", b"version: 1\ntarget: http://h/" + b"a" * (20 << 20) +
     b"\n", None, "larger than"),
    ("huge_scalar_under_cap", b"version: 1\ntarget: http://h/\nload: " +
     b"x" * (8 << 20) + b"\n", (3, 7), "load"),
    ("huge_number", b"version: 1" + b"9" * 5000 + b"\n", (1, 10),
     "version"),
    ("huge_users", b"version: 1\ntarget: http://127.0.0.1:9\nload:\n"
     b"  users: 1" + b"0" * 40 + b"\n  requests: 5\nscenarios:\n"
     b"  - name: s\n    steps:\n      - get: /\n", (4, 10), "users"),
    ("float_overflow_duration", b"version: 1\ntarget: http://127.0.0.1:9\n"
     b"load:\n  users: 1\n  duration: 1" + b"0" * 400 + b"s\n"
     b"scenarios:\n  - name: s\n    steps:\n      - get: /\n", (5, 13),
     "duration"),
    ("tabs", b"version: 1\n\ttarget: http://h\n", (2, 1), "tab"),
    ("duplicate_keys", b"version: 1\ntarget: http://a\ntarget: http://b\n",
     (3, 1), "duplicate"),
    ("non_utf8", b"version: 1\ntarget: http://\xff\xfe/\n", (2, None),
     "UTF-8"),
    ("binary_garbage", bytes(range(256)) * 64, (1, None), ""),
    ("nul_byte", b"version: 1\x00\ntarget: x\n", (1, None), ""),
    ("empty", b"", (None, None), "empty"),
    ("only_comment", b"# nothing here\n", (None, None), ""),
    ("utf16_bom", "version: 1\n".encode("utf-16"), None, ""),
    ("unterminated_quote", b'version: 1\ntarget: "http://a\n', (None, None),
     ""),
    ("anchor_on_map", b"version: 1\nload: &l {users: 1}\nx: *l\n",
     (3, None), "alias"),
]


class HostileYaml(hlib.Case):
    def check(self, name, content, pos, fragment):
        path = self.path(name + ".yaml")
        with open(path, "wb") as f:
            f.write(content)
        for cmd in ("validate", "run"):
            args = [cmd, path] + (["-q", "--out", self.path("r.json")]
                                  if cmd == "run" else [])
            r = hlib.run(args, timeout=30, mem_cap=MEM_CAP)
            what = "%s %s: %r" % (cmd, name, r)
            self.assertEqual(r.code, 2, what)
            self.assertLess(r.wall, WALL_LIMIT, what)
            self.assertLess(r.maxrss_kib, RSS_LIMIT_KIB, what)
            lines = r.err.strip().splitlines()
            self.assertEqual(len(lines), 1, what)
            self.assertTrue(lines[0].startswith("loadgate: error: " + path),
                            what)
            self.assertIn(fragment.lower(), lines[0].lower(), what)
            if pos:
                m = re.match(re.escape("loadgate: error: " + path) +
                             r":(\d+):(\d+): ", lines[0])
                self.assertIsNotNone(m, "no line:col in " + what)
                if pos[0] is not None:
                    self.assertEqual(int(m.group(1)), pos[0], what)
                if pos[1] is not None:
                    self.assertEqual(int(m.group(2)), pos[1], what)
            self.assertLess(len(lines[0]), 1024, "message not bounded")
            self.assertFalse(os.path.exists(self.path("r.json")),
                             "results written for a refused profile")

    def test_hostile_profiles(self):
        for name, content, pos, fragment in CASES:
            with self.subTest(name):
                self.check(name, content, pos, fragment)

    def test_profile_is_a_directory_or_missing(self):
        for p in (self.tmp, self.path("missing.yaml")):
            r = hlib.run(["validate", p], timeout=10)
            self.assertEqual(r.code, 2, repr(r))
            self.assertIn(p, r.err)


if __name__ == "__main__":
    unittest.main()
