"""Runs a command and prints its peak resident memory (KiB, from the kernel's rusage of the child) on the last stderr line."""
import resource
import subprocess
import sys

r = subprocess.run(sys.argv[1:])
print(f"peak-rss-kib {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}", file=sys.stderr)
sys.exit(r.returncode)
