"""Before/after of the service calendar hot paths in one process, same data, interleaved rounds,
CPU time of this process (process_time) so that other load on a shared machine weighs less.

Usage: .venv/bin/python bench/calendar_compare.py [git revision of sla/calendar.py, default HEAD~1]"""

import importlib.util
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
import django  # noqa: E402

django.setup()

from sla import calendar as new  # noqa: E402
from sla.school_holidays import snapshot_ranges  # noqa: E402

revision = sys.argv[1] if len(sys.argv) > 1 else "HEAD~1"
source = subprocess.run(["git", "show", f"{revision}:sla/calendar.py"], cwd=ROOT, check=True, capture_output=True, text=True).stdout
with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
    f.write(source.replace("from .models import", "from sla.models import").replace("from .school_holidays", "from sla.school_holidays"))
spec = importlib.util.spec_from_file_location("calendar_before", f.name)
old = importlib.util.module_from_spec(spec)
spec.loader.exec_module(old)
os.unlink(f.name)

N = 100_000
PARIS = new.PARIS
rng = random.Random(42)
lo, hi = int(datetime(2024, 1, 1, tzinfo=PARIS).timestamp()), int(datetime(2027, 12, 31, tzinfo=PARIS).timestamp())
starts = [datetime.fromtimestamp(rng.randint(lo, hi), PARIS) for _ in range(N)]
ends = [s + timedelta(seconds=rng.randint(0, 30 * 86400)) for s in starts]
amounts = [rng.randint(0, 200 * 3600) for _ in range(N)]
cals = {name: mod.ServiceCalendar(zone="B", holiday_subdivision="57", school_holidays=snapshot_ranges("B"))
        for name, mod in (("before", old), ("after", new))}
for cal in cals.values():
    cal.business_seconds(starts[0], ends[0])
b, a = cals["before"], cals["after"]
assert [b.business_seconds(s, e) for s, e in zip(starts[:5000], ends[:5000])] == [a.business_seconds(s, e) for s, e in zip(starts[:5000], ends[:5000])]
assert [b.add_business_seconds(s, n) for s, n in zip(starts[:5000], amounts[:5000])] == [a.add_business_seconds(s, n) for s, n in zip(starts[:5000], amounts[:5000])]

best = {}
for _round in range(5):
    for name, cal in cals.items():
        for call, args in (("business_seconds", (starts, ends)), ("add_business_seconds", (starts, amounts))):
            fn = getattr(cal, call)
            t0 = time.process_time()
            for x, y in zip(*args):
                fn(x, y)
            spent = time.process_time() - t0
            best[name, call] = min(best.get((name, call), float("inf")), spent)

print(f"revision {revision} vs working tree, {N:,} calls each, best of 5 interleaved rounds (CPU time):")
for call in ("business_seconds", "add_business_seconds"):
    before, after = N / best["before", call], N / best["after", call]
    print(f"  {call:22s} before {before:10,.0f} calls/s   after {after:10,.0f} calls/s   ×{after / before:.2f}")
print(f"same results on 5,000 calls of each; machine: {os.cpu_count()} CPU, load average {os.getloadavg()[0]:.2f}")
