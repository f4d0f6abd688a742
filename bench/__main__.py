"""``python -m bench``: the quick versions of every benchmark (see bench/quality.py, bench/speed.py)."""

from bench import quality, speed

quality.main(["--count", "10", "--time-limit", "5"])
speed.main(["--sizes", "10000,100000"])
