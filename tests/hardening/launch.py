"""Runs a command under resource limits and reports its own peak RSS (KiB)
and CPU seconds (user + system), space-separated, in RSS_FILE.

    python3 launch.py RSS_FILE AS_BYTES|- NOFILE|- COMMAND...

Started by hlib.run so that the command is forked from this small
process: a child forked from the (large) test process would start with
that process's peak RSS. Exits with the command's status."""
import os
import resource
import sys


def main():
    rss_file, as_bytes, nofile, argv = (sys.argv[1], sys.argv[2],
                                        sys.argv[3], sys.argv[4:])
    pid = os.fork()
    if pid == 0:
        try:
            if as_bytes != "-":
                n = int(as_bytes)
                resource.setrlimit(resource.RLIMIT_AS, (n, n))
            if nofile != "-":
                hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
                resource.setrlimit(resource.RLIMIT_NOFILE, (int(nofile), hard))
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    _, status, ru = os.wait4(pid, 0)
    with open(rss_file, "w") as f:
        f.write("%d %.3f" % (ru.ru_maxrss, ru.ru_utime + ru.ru_stime))
    code = os.waitstatus_to_exitcode(status)
    sys.exit(code if code >= 0 else 128 - code)


if __name__ == "__main__":
    main()
