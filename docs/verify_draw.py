"""Verify an eventhub lucky draw (抽奖) from its public JSON, with the standard library only.

    python verify_draw.py https://example.org/api/v1/draws/7    (or a saved .json file)
"""
import hashlib
import json
import pathlib
import sys
import urllib.request


def sha(text):
    return hashlib.sha256(text.encode("ascii")).hexdigest()


src = sys.argv[1]
if src.startswith(("https://", "http://")):
    d = json.load(urllib.request.urlopen(src))  # noqa: S310 - http(s) only
else:
    d = json.loads(pathlib.Path(src).read_text("utf-8"))
seed, pool = d["seed"], sorted(d["pool"])
order = sorted(pool, key=lambda r: sha(f"{seed}:{r}"))  # the draw order
won = []  # the prizes, in their order, take winners from the draw order
for prize in d["prizes"]:
    won += [[prize["name"], r] for r in order[len(won):len(won) + prize["count"]]]
taken, redraws_ok = len(won), True
for r in d.get("redraws", []):  # an absent winner's prize goes to the next in order
    slot = [r["prize"], r["registration_id"]]
    redraws_ok &= slot in won and taken < len(order) and r["replaced_by"] == order[taken]
    if redraws_ok:
        won[won.index(slot)][1] = order[taken]
        taken += 1
checks = {"commitment": sha(seed) == d["commitment"], "redraws": redraws_ok,
          "pool_digest": sha(",".join(map(str, pool))) == d["pool_digest"],
          "winners": sorted(won) == sorted([w["prize"], w["registration_id"]]
                                            for w in d["winners"])}
for name, ok in checks.items():
    print(f"{name}: {'OK' if ok else 'MISMATCH'}")
sys.exit(0 if all(checks.values()) else 1)
