"""Small inline SVG charts written by hand: time series with a forecast band, and horizontal bars.

No JavaScript, no external assets: every chart is one ``<svg>`` element with its axes, labels and a
``<title>`` per mark (a tooltip in browsers). Text is escaped; numbers are printed with few digits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import numpy as np

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")
FONT = 'font-family="sans-serif" font-size="11"'


@dataclass(frozen=True)
class Line:
    """One series: samples at ``times`` (Unix seconds), and optionally a forecast with its band."""

    label: str
    times: np.ndarray
    values: np.ndarray
    future: np.ndarray | None = None  # times of the forecast
    expected: np.ndarray | None = None
    lower: np.ndarray | None = None
    upper: np.ndarray | None = None


def _ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / count
    mag = 10 ** np.floor(np.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=raw)
    first = np.ceil(lo / step) * step
    return [float(v) for v in np.arange(first, hi + step * 1e-9, step)]


def time_chart(
    title: str,
    lines: Sequence[Line],
    *,
    y_label: str,
    limit: float | None = None,
    limit_label: str = "limit",
    width: int = 760,
    height: int = 260,
    percent: bool = False,
) -> str:
    """Lines over time; a dashed forecast with a shaded band after the last sample; a red limit line."""
    left, right, top, bottom = 56, 150, 26, 34
    pw, ph = width - left - right, height - top - bottom
    all_t = [ln.times for ln in lines] + [ln.future for ln in lines if ln.future is not None]
    all_v = [ln.values for ln in lines] + [ln.upper for ln in lines if ln.upper is not None]
    t0 = min(float(np.min(t)) for t in all_t)
    t1 = max(float(np.max(t)) for t in all_t)
    finite = np.concatenate([v[np.isfinite(v)] for v in all_v] + [np.array([0.0])])
    v1 = max(float(finite.max()), limit or 0.0) * 1.08 or 1.0

    def x(t: np.ndarray | float) -> np.ndarray | float:
        return left + (np.asarray(t, dtype=float) - t0) / max(t1 - t0, 1.0) * pw

    def y(v: np.ndarray | float) -> np.ndarray | float:
        return top + ph - np.clip(np.asarray(v, dtype=float), 0, v1) / v1 * ph

    def path(ts: np.ndarray, vs: np.ndarray) -> str:
        ok = np.isfinite(vs)
        return " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x(ts[ok]), y(vs[ok]), strict=True))

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
        f'<text x="{left}" y="16" {FONT} font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    for v in _ticks(0.0, v1):
        text = f"{v:.0%}" if percent else f"{v:g}"
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 4}" y="{y(v) + 4:.1f}" {FONT} text-anchor="end">{text}</text>')
    day = 86400.0
    span_days = (t1 - t0) / day
    every = 7 if span_days > 21 else 1
    first = np.ceil(t0 / day) * day
    for t in np.arange(first, t1, every * day):
        label = dt.datetime.fromtimestamp(t, dt.UTC).strftime("%m-%d")
        out.append(
            f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{top + ph}" y2="{top + ph + 4}" stroke="#888"/>'
        )
        out.append(f'<text x="{x(t):.1f}" y="{top + ph + 16}" {FONT} text-anchor="middle">{label}</text>')
    out.append(
        f'<text x="12" y="{top + ph / 2:.0f}" {FONT} transform="rotate(-90 12 {top + ph / 2:.0f})" '
        f'text-anchor="middle">{escape(y_label)}</text>'
    )
    out.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#888"/>')
    if limit is not None:
        out.append(
            f'<line x1="{left}" x2="{left + pw}" y1="{y(limit):.1f}" y2="{y(limit):.1f}" stroke="#c00" '
            f'stroke-width="1.5"/><text x="{left + pw - 4}" y="{y(limit) - 4:.1f}" {FONT} fill="#c00" '
            f'text-anchor="end">{escape(limit_label)}</text>'
        )
    for i, ln in enumerate(lines):
        color = PALETTE[i % len(PALETTE)]
        if ln.future is not None and ln.lower is not None and ln.upper is not None:
            ring = path(ln.future, ln.upper) + " " + path(ln.future[::-1], ln.lower[::-1])
            out.append(f'<polygon points="{ring}" fill="{color}" fill-opacity="0.15" stroke="none"/>')
        out.append(
            f'<polyline points="{path(ln.times, ln.values)}" fill="none" stroke="{color}" stroke-width="1.2">'
            f"<title>{escape(ln.label)}</title></polyline>"
        )
        if ln.future is not None and ln.expected is not None:
            out.append(
                f'<polyline points="{path(ln.future, ln.expected)}" fill="none" stroke="{color}" '
                f'stroke-width="1.5" stroke-dasharray="5,3"/>'
            )
        ly = top + 14 + i * 16
        out.append(f'<rect x="{left + pw + 10}" y="{ly - 9}" width="12" height="10" fill="{color}"/>')
        out.append(f'<text x="{left + pw + 26}" y="{ly}" {FONT}>{escape(ln.label)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def bar_chart(
    title: str,
    rows: Sequence[tuple[str, float, str]],
    *,
    marker: float | None = None,
    marker_label: str = "",
    percent: bool = False,
    width: int = 760,
) -> str:
    """Horizontal bars ``(label, value, text shown at the bar)``; negative values in red, left of zero."""
    left, right, top, row_h = 170, 90, 26, 20
    height = top + row_h * len(rows) + 24
    pw = width - left - right
    lo = min([0.0, *(v for _, v, _ in rows)])
    hi = max([1.0 if percent else 0.0, marker or 0.0, *(v for _, v, _ in rows)]) or 1.0
    hi, lo = hi * 1.05, lo * 1.05

    def x(v: float) -> float:
        return left + (v - lo) / (hi - lo) * pw

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
        f'<text x="8" y="16" {FONT} font-size="13" font-weight="bold">{escape(title)}</text>',
    ]
    for i, (label, value, text) in enumerate(rows):
        yy = top + i * row_h
        a, b = sorted((x(0.0), x(value)))
        color = "#1f77b4"
        if value < 0 or (percent and value > 1.0):
            color = "#d62728"  # short of room, or over the limit
        elif marker is not None and value < marker:
            color = "#2ca02c"  # below the marker (e.g. a right-sizing candidate)
        out.append(f'<text x="{left - 6}" y="{yy + 13}" {FONT} text-anchor="end">{escape(label)}</text>')
        out.append(
            f'<rect x="{a:.1f}" y="{yy + 3}" width="{max(b - a, 0.5):.1f}" height="{row_h - 6}" fill="{color}">'
            f"<title>{escape(label)}: {escape(text)}</title></rect>"
        )
        out.append(f'<text x="{max(b, x(0.0)) + 4:.1f}" y="{yy + 13}" {FONT}>{escape(text)}</text>')
    base = top + row_h * len(rows)
    out.append(f'<line x1="{x(0.0):.1f}" x2="{x(0.0):.1f}" y1="{top}" y2="{base}" stroke="#444"/>')
    if percent:  # the whole: a bar's length reads as a share of it
        out.append(f'<line x1="{x(1.0):.1f}" x2="{x(1.0):.1f}" y1="{top}" y2="{base}" stroke="#444"/>')
        out.append(f'<text x="{x(1.0):.1f}" y="{base + 14}" {FONT} text-anchor="middle">100%</text>')
    if marker is not None:
        out.append(
            f'<line x1="{x(marker):.1f}" x2="{x(marker):.1f}" y1="{top}" y2="{base}" stroke="#c00" '
            f'stroke-dasharray="4,3"/><text x="{x(marker):.1f}" y="{base + 14}" {FONT} fill="#c00" '
            f'text-anchor="middle">{escape(marker_label or (f"{marker:.0%}" if percent else f"{marker:g}"))}</text>'
        )
    out.append("</svg>")
    return "\n".join(out)
