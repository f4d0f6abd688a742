"""``python -m bench``: the quick versions of every benchmark (see bench/quality.py, bench/speed.py, bench/load.py)."""

from bench import load, quality, speed

quality.main(["--count", "10", "--time-limit", "5"])
speed.main(["--sizes", "10000,100000"])
load.main(["--sizes", "6000,60000", "--repeat", "1"])
