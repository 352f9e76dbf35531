#!/usr/bin/python3
"""Turns a benchmark run's raw records (bench/run.sh's work directory) into bench/results/results.md,
results.json and chart.png (gnuplot), and prints the figures with the issue's targets.

Usage: report.py WORK_DIR RESULTS_DIR SECONDS INTERVAL BACKLOG [quick] [SCALE_SERIES]
       report.py --scaling-only WORK_DIR RESULTS_DIR [SCALE_SERIES]
The second form (bench/run.sh with BENCH_ONLY=scaling) replaces only the scaling part of results.md and
results.json, scaling.dat and the chart. SCALE_SERIES: the synthetic series counts run, "0 100 1000 10000".
"""
import json
import io
import os
import platform
import re
import statistics
import subprocess
import sys

MIB = 1024.0


def load(path):
    with open(path) as f:
        return json.load(f)


def callgrind_ir(path):
    """Total instructions (Ir) of a callgrind output file, or None."""
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("summary:") or line.startswith("totals:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def traffic(stats):
    reqs = stats["requests"]
    out = {k: sum(r[k] for r in reqs) for k in ("http", "body", "samples", "metadata")}
    # collections: distinct sample timestamps (one collection may be split over several requests)
    if reqs and isinstance(reqs[0].get("stamps"), list):
        out["stamps"] = len(set(t for r in reqs for t in r["stamps"]))
    else:  # records of an older receiver: a count per request, which counts a split collection twice
        out["stamps"] = sum(r["stamps"] for r in reqs)
    out["requests"] = len(reqs)
    out["sample_requests"] = sum(1 for r in reqs if r["samples"])
    s = max(out["samples"], 1)
    out["body_per_sample"] = out["body"] / s
    out["http_per_sample"] = out["http"] / s
    out["samples_per_collection"] = out["samples"] / max(out["stamps"], 1)
    return out


def usage(series, clk, single_threaded=False):
    """single_threaded: CPU from the thread's run time in ns (exact), not from 10 ms ticks."""
    half = series[len(series) // 2:]
    span = series[-1]["t"] - series[0]["t"]
    if single_threaded and "cpu_ns" in series[0]:
        cpu = (series[-1]["cpu_ns"] - series[0]["cpu_ns"]) / 1e9
        cpu_total = series[-1]["cpu_ns"] / 1e9
    else:
        cpu = (series[-1]["cpu"] - series[0]["cpu"]) / clk
        cpu_total = series[-1]["cpu"] / clk
    return {
        "peak_rss_kib": max(p["hwm"] for p in series),
        "steady_rss_kib": statistics.median(p["rss"] for p in half),
        "peak_pss_kib": max(p["pss"] for p in series),
        "steady_pss_kib": statistics.median(p["pss"] for p in half),
        # the steady rate over the sampled span (the start-up before the first sample is left out)
        "cpu_s_per_hour": cpu / max(span, 1e-9) * 3600,
        "cpu_s_total": cpu_total,
    }


def callgrind_calls(path, fn):
    """How often `fn` was called in a callgrind output file (string compression or not), or None."""
    ids = {}
    target = None
    total = 0
    seen = False
    pat = re.compile(r"^c?fn=(?:\((\d+)\))? ?(.*)$")
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("fn=") or line.startswith("cfn="):
                    m = pat.match(line.rstrip("\n"))
                    ref, name = m.group(1), m.group(2)
                    if ref is not None:
                        if name:
                            ids[ref] = name
                        name = ids.get(ref, "")
                    if line.startswith("cfn="):
                        target = name
                elif line.startswith("calls=") and target == fn:
                    total += int(line[6:].split()[0])
                    seen = True
    except OSError:
        return None
    return total if seen else None


# Where a cycle's instructions go, inclusive of what each calls: collection, the request encoding (which
# walks the ring), the ring walk alone, the HTTP exchange, compression.
PROFILE_FUNCS = ("amp_collect_all", "amp_encoder_encode", "amp_ring_walk_next", "amp_http_exchange", "amp_compress")


def callgrind_inclusive(path, funcs):
    """{function: inclusive instructions} of a callgrind output file (callgrind_annotate), or {}."""
    try:
        out = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", path],
                             capture_output=True, text=True, check=False).stdout
    except OSError:
        return {}
    got = {}
    for line in out.splitlines():
        m = re.match(r"\s*([\d,]+) \([^)]*\)\s+\S*:([A-Za-z_]\w*) ", line)
        if m and m.group(2) in funcs and m.group(2) not in got:
            got[m.group(2)] = int(m.group(1).replace(",", ""))
    return got


def fit_slope(points):
    """Least-squares slope and intercept of [(x, y)], or (None, None) with fewer than two points."""
    pts = [(x, y) for x, y in points if y is not None]
    if len(pts) < 2:
        return None, None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    if sxx == 0:
        return None, None
    b = sum((x - mx) * (y - my) for x, y in pts) / sxx
    return b, my - b * mx


def growth_text(ratio):
    """Words for (slope from 1,000 to 10,000 series) / (slope from 100 to 1,000): 1.0 is exactly linear."""
    if ratio is None:
        return "not measured"
    if ratio < 0.95:
        return "better than linear"
    if ratio <= 1.10:
        return "linear (within 10%)"
    return "WORSE than linear"


def scaling(work, series):
    """The scaling runs (bench/run.sh's scaling()): per synthetic series count, steady CPU per cycle,
    callgrind instructions per cycle and peak RSS; the fitted slopes and how the slopes grow."""
    rows = []
    for n in series:
        with open(os.path.join(work, "scale-%d.proc" % n)) as f:
            a, b = [[int(v) for v in line.split()] for line in f if line.strip()][:2]
        rec = load(os.path.join(work, "scale-%d.json" % n))
        # the collections of the sampled span: distinct sample timestamps (ms) within it
        stamps = set(t for r in rec["requests"] for t in r["stamps"])
        cycles = sum(1 for t in stamps if a[0] <= t < b[0])
        clk = os.sysconf("SC_CLK_TCK")
        cg = {}
        for k in ("short", "long"):
            out = os.path.join(work, "scale-%d-cg-%s.out" % (n, k))
            pushed = traffic(load(os.path.join(work, "scale-%d-cg-%s.json" % (n, k))))["stamps"]
            calls = callgrind_calls(out, "amp_collect_all")
            # a collection not pushed by the end would count its collection but not its push
            cg[k] = {"ir": callgrind_ir(out), "collections": calls if calls is not None else pushed,
                     "pushed": pushed}
        ir_cycle = None
        profile = {}
        if cg["short"]["ir"] and cg["long"]["ir"] and cg["long"]["collections"] > cg["short"]["collections"]:
            dc = cg["long"]["collections"] - cg["short"]["collections"]
            ir_cycle = (cg["long"]["ir"] - cg["short"]["ir"]) / dc
            p_short = callgrind_inclusive(os.path.join(work, "scale-%d-cg-short.out" % n), PROFILE_FUNCS)
            p_long = callgrind_inclusive(os.path.join(work, "scale-%d-cg-long.out" % n), PROFILE_FUNCS)
            profile = {f: (p_long[f] - p_short.get(f, 0)) / dc for f in PROFILE_FUNCS if f in p_long}
        rows.append({
            "series": n, "cycles": cycles, "seconds": (b[0] - a[0]) / 1000.0,
            "samples_per_collection": traffic(rec)["samples_per_collection"],
            "cpu_ms_per_cycle": (b[1] - a[1]) / 1e6 / cycles if cycles else None,
            "cpu_ms_per_cycle_ticks": (b[2] - a[2]) * 1000.0 / clk / cycles if cycles else None,
            "peak_rss_kib": b[3], "rss_kib": b[4], "callgrind": cg, "ir_per_cycle": ir_cycle,
            "ir_per_cycle_by_function": profile})

    def per_series(key):
        slope, icpt = fit_slope([(r["series"], r[key]) for r in rows])
        seg = {}
        for lo, hi in ((100, 1000), (1000, 10000)):
            rl = [r for r in rows if r["series"] == lo]
            rh = [r for r in rows if r["series"] == hi]
            if rl and rh and rl[0][key] is not None and rh[0][key] is not None:
                seg["%d_%d" % (lo, hi)] = (rh[0][key] - rl[0][key]) / (hi - lo)
        ratio = None
        if seg.get("100_1000") and "1000_10000" in seg:
            ratio = seg["1000_10000"] / seg["100_1000"]
        return {"per_series": slope, "intercept": icpt, "segments": seg, "ratio": ratio,
                "growth": growth_text(ratio)}

    return {"rows": rows, "ir": per_series("ir_per_cycle"), "cpu_ms": per_series("cpu_ms_per_cycle"),
            "rss_kib": per_series("peak_rss_kib")}


def scaling_md(sc):
    """The scaling part of results.md (from its "Scaling" line to before "Method and caveats")."""
    L = ["Scaling (issue 7: CPU per cycle and memory must grow linearly or better): N series of the synthetic "
         "collector (firmware/collector_synthetic.c, test and benchmark only: `[collectors] synthetic_series = N`; "
         "half counters, half gauges, every value changing every collection) on top of the default collectors, "
         "at a 1 s interval; a build with CONFIG_COLLECTOR_SYNTHETIC=y, CONFIG_MAX_SERIES=12000 and "
         "CONFIG_LABEL_ARENA_BYTES=256 KiB, the rest as the default configuration. Instructions per cycle: two "
         "callgrind runs of different length, the difference of their instructions over the difference of "
         "their collections (calls of amp_collect_all), so start-up and the TLS handshake cancel out; each "
         "cycle is a collection and its push (a batch deadline of half the interval sends each collection in "
         "requests of its own, of at most max_samples_per_send = 2000 samples; above 1,250 series the "
         "callgrind runs' interval and length grow in proportion, so that a cycle under callgrind still "
         "ends before the next). CPU: the agent's CPU time (its threads' /proc/PID/task/*/schedstat, ns) over the "
         "collections of a steady span after 5 s of start-up. Peak RSS: VmHWM at the end of that span (it "
         "includes the ring pages the span's frames reached, so it also grows with the span).",
         "",
         "| synthetic series | samples per collection | instructions per cycle (callgrind) | CPU ms per cycle | "
         "collections sampled | peak RSS, MiB |",
         "|---|---|---|---|---|---|"]
    unpushed = ["{:,}".format(r["series"]) for r in sc["rows"]
                if any(c["pushed"] != c["collections"] for c in r["callgrind"].values())]
    for r in sc["rows"]:
        L.append("| %s | %s | %s | %s | %d | %.2f |" % (
            "{:,}".format(r["series"]), "{:,.0f}".format(r["samples_per_collection"]),
            "{:,.0f}".format(r["ir_per_cycle"]) if r["ir_per_cycle"] else "—",
            "%.2f" % r["cpu_ms_per_cycle"] if r["cpu_ms_per_cycle"] is not None else "—",
            r["cycles"], r["peak_rss_kib"] / MIB))
    L.append("")
    if any(r["ir_per_cycle_by_function"] for r in sc["rows"]):
        L.append("Instructions per sample of a cycle, by function (callgrind, inclusive of what each calls; "
                 "the encoder includes the ring walk):")
        L.append("")
        L.append("| function | " + " | ".join("{:,} series".format(r["series"]) for r in sc["rows"]) + " |")
        L.append("|---|" + "---|" * len(sc["rows"]))
        for fn in PROFILE_FUNCS:
            L.append("| %s | %s |" % (fn, " | ".join(
                "{:,.0f}".format(r["ir_per_cycle_by_function"][fn] / r["samples_per_collection"])
                if fn in r["ir_per_cycle_by_function"] and r["samples_per_collection"] else "—"
                for r in sc["rows"])))
        L.append("")
    if unpushed:
        L.append("Caution: in the callgrind runs of %s series the receiver got fewer collections than were made, "
                 "so their instructions per cycle leave out some pushes." % ", ".join(unpushed))
        L.append("")

    def line(name, d, unit, unit_1000, scale_by, fmt, fmt_1000):
        if d["per_series"] is None:
            return "- %s: not measured." % name
        seg = d["segments"]
        text = "- %s: %s %s per series, %s %s per 1,000 series (least squares over %s series)" % (
            name, fmt.format(d["per_series"] * scale_by), unit, fmt_1000.format(d["per_series"] * 1000), unit_1000,
            ", ".join("{:,}".format(r["series"]) for r in sc["rows"]))
        if "100_1000" in seg and "1000_10000" in seg:
            text += "; per series from 100 to 1,000: %s, from 1,000 to 10,000: %s; ratio %s: %s" % (
                fmt.format(seg["100_1000"] * scale_by), fmt.format(seg["1000_10000"] * scale_by),
                "%.2f" % d["ratio"] if d["ratio"] is not None else "—", d["growth"])
        return text + "."

    L.append("Slopes (the cost each series adds; the ratio is the 1,000 to 10,000 slope over the 100 to 1,000 "
             "one: 1.0 is linear, below is better than linear):")
    L.append("")
    L.append(line("instructions per cycle", sc["ir"], "instructions", "instructions", 1, "{:,.0f}", "{:,.0f}"))
    L.append(line("CPU per cycle", sc["cpu_ms"], "µs", "ms", 1000, "{:.3f}", "{:.2f}"))
    L.append(line("peak RSS", sc["rss_kib"], "KiB", "KiB", 1, "{:.3f}", "{:.0f}"))
    verdicts = [sc[k]["growth"] for k in ("ir", "cpu_ms") if sc[k]["ratio"] is not None]
    if verdicts:
        ok = all(v != "WORSE than linear" for v in verdicts)
        L.append("")
        L.append("Target, CPU per cycle grows linearly or better with the series (instructions and CPU time): %s." %
                 ("met" if ok else "MISSED"))
    L.append("")
    return L


def scaling_dat(res, sc):
    with open(os.path.join(res, "scaling.dat"), "w") as f:
        f.write("# synthetic_series instructions_per_cycle peak_rss_mib cpu_ms_per_cycle\n")
        for r in sc["rows"]:
            if r["series"] > 0:  # the chart's axes are logarithmic
                f.write("%d %d %.3f %.4f\n" % (r["series"], r["ir_per_cycle"] or 0, r["peak_rss_kib"] / MIB,
                                              r["cpu_ms_per_cycle"] or 0))


def chart_gp(seconds, interval):
    return """set terminal pngcairo size 1200,500 font ',10'
set output 'chart.png'
set multiplot layout 1,2 title 'amp-agent vs prometheus agent + node\\_exporter (%s s at %s)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set ylabel 'log scale'
set yrange [0.01:*]
set key outside bottom center horizontal
set xtics font ',9'
plot 'chart.dat' using 2:xtic(1) title 'amp-agent', '' using 3 title 'amp-agent static', '' using 4 title 'peer'
unset logscale y
set yrange [*:*]
set key top left
set logscale xy
set xlabel 'synthetic series (on top of the default collectors)'
set ylabel 'instructions per collection+push cycle'
set y2label 'peak RSS, MiB'
set y2tics
set style data linespoints
plot 'scaling.dat' using 1:2 title 'instructions per cycle' axes x1y1, '' using 1:3 title 'peak RSS' axes x1y2
unset multiplot
""" % (seconds, interval)


def scaling_only(work, res, series):
    """BENCH_ONLY=scaling: the scaling part of an earlier full run's results replaced by this run's."""
    sc = scaling(work, series)
    md = scaling_md(sc)
    path = os.path.join(res, "results.md")
    old = open(path).read().split("\n") if os.path.exists(path) else []
    start = next((i for i, l in enumerate(old) if l.startswith("Scaling (")), None)
    end = next((i for i, l in enumerate(old) if l.startswith("Method and caveats")), len(old))
    if start is None:
        start = end
    with open(path, "w") as f:
        f.write("\n".join(old[:start] + md + old[end:]).rstrip("\n") + "\n")
    jpath = os.path.join(res, "results.json")
    out = load(jpath) if os.path.exists(jpath) else {}
    out.pop("slope", None)  # the textfile runs' slopes, before the synthetic collector
    out["scaling"] = sc
    with open(jpath, "w") as f:
        json.dump(out, f, indent=1)
    scaling_dat(res, sc)
    if "seconds" in out and os.path.exists(os.path.join(res, "chart.dat")):
        with open(os.path.join(res, "chart.gp"), "w") as f:
            f.write(chart_gp(out["seconds"], out["interval"]))
        subprocess.run(["gnuplot", "chart.gp"], cwd=res, check=False)
    print("\n".join(md))


def machine():
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) / MIB / MIB
    osname = "Linux"
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    osname = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return "%s, %d CPUs (%s), %.1f GiB RAM, %s, kernel %s" % (
        platform.machine(), os.cpu_count(), cpu, mem, osname, platform.release())


def verdict(value, limit, lower_is_better=True):
    """'met (x of the limit)' / 'missed by N%'."""
    if value is None or limit is None:
        return "not measured"
    if lower_is_better:
        return ("met: %.2fx the limit" % (value / limit)) if value <= limit else \
            ("MISSED by %.0f%% (%.2fx the limit)" % ((value / limit - 1) * 100, value / limit))
    return "met" if value >= limit else "MISSED"


def main():
    if sys.argv[1] == "--scaling-only":
        series = [int(v) for v in (sys.argv[4] if len(sys.argv) > 4 else "0 100 1000 10000").split()]
        scaling_only(sys.argv[2], sys.argv[3], series)
        return
    work, res, seconds, interval, backlog = sys.argv[1:6]
    quick = len(sys.argv) > 6 and sys.argv[6] == "quick"
    series = [int(v) for v in (sys.argv[7] if len(sys.argv) > 7 else "0 100 1000 10000").split()]
    side = load(os.path.join(work, "side.json"))
    clk = side["clk_tck"]
    # amp-agent is one thread: its run time in ns; the peer's Go threads come and go: ticks of all of them
    use = {k: usage(v, clk, single_threaded=k in ("dyn", "static")) for k, v in side["groups"].items()}
    net = {k: traffic(load(os.path.join(work, k + ".json"))) for k in ("dyn", "static", "peer")}

    # callgrind: steady instructions per cycle from two runs of different length
    cg = {}
    for k in ("short", "long"):
        cg[k] = {"ir": callgrind_ir(os.path.join(work, "cg-%s.out" % k)),
                 "collections": traffic(load(os.path.join(work, "cg-%s.json" % k)))["stamps"]}
    ir_cycle = None
    if cg["short"]["ir"] and cg["long"]["ir"] and cg["long"]["collections"] > cg["short"]["collections"]:
        ir_cycle = (cg["long"]["ir"] - cg["short"]["ir"]) / (cg["long"]["collections"] - cg["short"]["collections"])
    # the peer: node_exporter's instructions per scrape (prometheus cannot run under callgrind: run.sh)
    cgp, peer_ir_cycle = {}, None
    for k in ("short", "long"):
        path = os.path.join(work, "cgp-%s-ne.scrapes" % k)
        with open(path) if os.path.exists(path) else io.StringIO("0") as f:
            scrapes = int(f.read().strip() or 0)
        cgp[k] = {"ir": callgrind_ir(os.path.join(work, "cgp-%s-ne.out" % k)), "collections": scrapes}
    if cgp["short"]["ir"] and cgp["long"]["ir"] and cgp["long"]["collections"] > cgp["short"]["collections"]:
        peer_ir_cycle = ((cgp["long"]["ir"] - cgp["short"]["ir"]) /
                         (cgp["long"]["collections"] - cgp["short"]["collections"]))

    # the ring: the agent's stop message
    ring = None
    with open(os.path.join(work, "agent-ring.log")) as f:
        m = re.search(r"stopping with (\d+) collections \((\d+) samples in (\d+) bytes of the ring\)", f.read())
    if m:
        c, s, b = map(int, m.groups())
        ring = {"collections": c, "samples": s, "bytes": b, "bytes_per_sample": b / max(s, 1)}

    # the backlog: requests carrying samples from before the receiver came up
    d = load(os.path.join(work, "drain.json"))
    up_ms = d["up"] * 1000
    back = [r for r in d["requests"] if r["min_ts"] is not None and r["min_ts"] < up_ms]
    drain = None
    with open(os.path.join(work, "agent-drain.log")) as f:
        drain_log = f.read()
    dropped = len(re.findall(r"drop", drain_log, re.I))
    if back:
        first = min(r["t"] for r in d["requests"])
        end = max(r["t"] for r in back)
        drain = {"collections": len(set(t for r in back for t in r["stamps"])) if isinstance(back[0]["stamps"], list)
                 else round(sum(r["samples"] for r in back) / net["dyn"]["samples_per_collection"]), "samples": sum(r["samples"] for r in back),
                 "requests": len(back), "wait_s": first - d["up"], "drain_s": end - first,
                 "up_to_drained_s": end - d["up"], "drop_log_lines": dropped}

    sc = scaling(work, series)

    sizes = {}
    with open(os.path.join(work, "sizes.txt")) as f:
        for line in f:
            k, v, *link = line.split()
            sizes[k] = int(v)
            if link:
                sizes[k + "_link"] = link[0]

    peer = use["peer"]
    targets = {
        "peak_rss_static": {"value": use["static"]["peak_rss_kib"], "limit": peer["peak_rss_kib"] / 40,
                            "text": "peak RSS, static build <= 1/40 of the peer's"},
        "peak_rss_dyn": {"value": use["dyn"]["peak_rss_kib"], "limit": peer["peak_rss_kib"] / 20,
                         "text": "peak RSS, shared libraries <= 1/20 of the peer's"},
        "cpu": {"value": use["dyn"]["cpu_s_per_hour"], "limit": peer["cpu_s_per_hour"] / 50,
                "text": "CPU <= 1/50 of the peer's"},
        "cpu_static": {"value": use["static"]["cpu_s_per_hour"], "limit": peer["cpu_s_per_hour"] / 50,
                       "text": "CPU, static build <= 1/50 of the peer's"},
        "body_bytes": {"value": net["dyn"]["body_per_sample"], "limit": net["peer"]["body_per_sample"] / 2,
                       "text": "request body bytes per sample <= 1/2 of the peer's"},
        "drain": {"value": drain["up_to_drained_s"] if drain else None, "limit": 10.0,
                  "text": "one hour of backlog drained in < 10 s (receiver up to last backlog sample)"},
    }
    for t in targets.values():
        t["verdict"] = verdict(t["value"], t["limit"])

    out = {"machine": machine(), "seconds": int(seconds), "interval": interval, "quick": quick,
           "usage": use, "traffic": net, "callgrind": cg, "ir_per_cycle": ir_cycle, "ring": ring,
           "peer_callgrind": cgp, "peer_ir_per_cycle": peer_ir_cycle,
           "drain": drain, "backlog_target": int(backlog), "scaling": sc,
           "sizes": sizes, "targets": targets}
    with open(os.path.join(res, "results.json"), "w") as f:
        json.dump(out, f, indent=1)

    def mib(k):
        return k / MIB

    def row(name, a, b, fmt="%.2f", ratio=True):
        r = ("%.1fx" % (b / a)) if ratio and a else "—"
        return "| %s | %s | %s | %s |" % (name, fmt % a if a is not None else "—", fmt % b if b is not None else "—", r)

    dy, st, pu = use["dyn"], use["static"], use["peer"]
    L = []
    L.append("Machine: %s. Run: %s s side by side at a %s interval%s; %s series per collection "
             "(amp-agent), %s (peer)." % (out["machine"], seconds, interval, " (quick mode)" if quick else "",
                                          "%.0f" % net["dyn"]["samples_per_collection"],
                                          "%.0f" % net["peer"]["samples_per_collection"]))
    L.append("")
    L.append("| figure | amp-agent (shared libs) | peer: prometheus agent + node_exporter | peer / amp-agent |")
    L.append("|---|---|---|---|")
    L.append(row("peak RSS, MiB (VmHWM)", mib(dy["peak_rss_kib"]), mib(pu["peak_rss_kib"])))
    L.append(row("peak RSS, MiB, static build", mib(st["peak_rss_kib"]), mib(pu["peak_rss_kib"])))
    L.append("| of which prometheus / node_exporter, peak RSS, MiB | | %.2f / %.2f | |" % (
        mib(use["prometheus"]["peak_rss_kib"]), mib(use["node_exporter"]["peak_rss_kib"])))
    L.append(row("steady RSS, MiB (VmRSS)", mib(dy["steady_rss_kib"]), mib(pu["steady_rss_kib"])))
    L.append(row("steady RSS, MiB, static build", mib(st["steady_rss_kib"]), mib(pu["steady_rss_kib"])))
    L.append(row("peak PSS, MiB (smaps_rollup)", mib(dy["peak_pss_kib"]), mib(pu["peak_pss_kib"])))
    L.append(row("steady PSS, MiB", mib(dy["steady_pss_kib"]), mib(pu["steady_pss_kib"])))
    L.append(row("steady PSS, MiB, static build", mib(st["steady_pss_kib"]), mib(pu["steady_pss_kib"])))
    L.append(row("CPU seconds per hour", dy["cpu_s_per_hour"], pu["cpu_s_per_hour"]))
    L.append(row("CPU seconds per hour, static build", st["cpu_s_per_hour"], pu["cpu_s_per_hour"]))
    L.append(row("request body bytes per sample (snappy)", net["dyn"]["body_per_sample"], net["peer"]["body_per_sample"]))
    L.append(row("full HTTP bytes per sample (line, headers, body)", net["dyn"]["http_per_sample"], net["peer"]["http_per_sample"]))
    L.append(row("samples per request", net["dyn"]["samples"] / max(net["dyn"]["sample_requests"], 1),
                 net["peer"]["samples"] / max(net["peer"]["sample_requests"], 1), "%.0f", False))
    L.append(row("metadata entries sent", net["dyn"]["metadata"], net["peer"]["metadata"], "%d", False))
    L.append(row("binary size, stripped, KiB (host, MinSizeRel, shared libraries but snappy)", sizes["dyn"] / MIB,
                 (sizes["prometheus"] + sizes["node_exporter"]) / MIB, "%.0f"))
    L.append(row("binary size, stripped, KiB (host, MinSizeRel, static)", sizes["static"] / MIB,
                 (sizes["prometheus"] + sizes["node_exporter"]) / MIB, "%.0f"))
    if "aarch64" in sizes:
        L.append("| binary size, stripped, KiB (aarch64-gateway board, MinSizeRel, %s) | %.0f | not built | — |" % (
            "shared libraries" if sizes.get("aarch64_link", "dynamic") == "dynamic" else "static", sizes["aarch64"] / MIB))
    L.append("| instructions per collection+push cycle (callgrind) | %s | %s | %s |" % (
        "{:,.0f}".format(ir_cycle) if ir_cycle else "—",
        "at least {:,.0f} (node_exporter's scrape alone)".format(peer_ir_cycle) if peer_ir_cycle else "not measured",
        "more than %.1fx" % (peer_ir_cycle / ir_cycle) if ir_cycle and peer_ir_cycle else "—"))
    if ring:
        L.append("| bytes per sample held in the ring | %.2f | WAL on disk | — |" % ring["bytes_per_sample"])
    if drain:
        L.append("| backlog of %d collections (%d samples): receiver up to drained, s | %.1f | not measured | — |" %
                 (drain["collections"], drain["samples"], drain["up_to_drained_s"]))
    L.append("")
    L.append("Targets (issue 7):")
    L.append("")
    L.append("| target | amp-agent | limit | verdict |")
    L.append("|---|---|---|---|")
    for k, t in targets.items():
        unit = {"drain": "s", "cpu": "CPU s/h", "cpu_static": "CPU s/h", "body_bytes": "B/sample"}.get(k, "MiB")
        conv = (lambda v: v / MIB) if unit == "MiB" else (lambda v: v)
        L.append("| %s | %s | %s | %s |" % (t["text"], "%.2f %s" % (conv(t["value"]), unit) if t["value"] is not None else "—",
                                           "%.2f %s" % (conv(t["limit"]), unit), t["verdict"]))
    L.append("")
    L.extend(scaling_md(sc))
    L.append("Method and caveats: each contestant pushes over TLS on loopback to its own recording receiver "
             "(bench/receiver.py), which counts the HTTP bytes and decodes every request. Debian bookworm's "
             "prometheus 2.42 silently ignores `sigv4:` under `remote_write` (a packaging patch drops the "
             "transport chain), so neither contestant signs: the receivers accept unsigned requests, and "
             "amp-agent's SigV4 headers (`Authorization`, `X-Amz-Date`, and `X-Amz-Security-Token` with temporary credentials: a few hundred bytes to about 1.3 KB per request) are not in its HTTP bytes. The peer's "
             "memory and CPU are prometheus's and node_exporter's added (VmHWM summed over the two). "
             "amp-agent's `ca_file` names the one test CA, as a user names Amazon's root CA instead of the "
             "system bundle. CPU is the steady rate over the sampled span: amp-agent's (its thread and its statfs helper thread) from their run time in ns (/proc/PID/task/*/schedstat), the peer's from utime+stime in 10 ms ticks (its threads come and go; hundreds of ticks). "
             "Instructions per cycle: two callgrind runs of the agent at a 1 s interval of different length; "
             "the difference of their instructions over the difference of their collections. The peer's: "
             "valgrind 3.19's callgrind aborts on prometheus's signal handling (an assertion on Go's "
             "preemption signals; GODEBUG=asyncpreemptoff=1 makes it rarer, not reproducible), so only "
             "node_exporter is measured, under callgrind and scraped by curl 5 and 15 times: a lower bound "
             "of the peer's cycle, without prometheus's scrape, WAL and remote write. The ring figure "
             "is the agent's own stop message after 30 s with no receiver. The backlog: the agent collects "
             "every 100 ms (the fastest interval) while its receiver is down, so %s collections (one hour at "
             "5 s) are made in %s s; the time is from the receiver coming up (the agent's retry backoff "
             "included) to the arrival of the last request holding a sample from the outage." % (
                 backlog, int(backlog) // 10))
    md = "\n".join(L) + "\n"
    with open(os.path.join(res, "results.md"), "w") as f:
        f.write(md)

    # chart: memory, CPU and bytes per sample side by side; scaling
    with open(os.path.join(res, "chart.dat"), "w") as f:
        f.write('"peak RSS (MiB)" %.3f %.3f %.3f\n' % (mib(dy["peak_rss_kib"]), mib(st["peak_rss_kib"]), mib(pu["peak_rss_kib"])))
        f.write('"steady PSS (MiB)" %.3f %.3f %.3f\n' % (mib(dy["steady_pss_kib"]), mib(st["steady_pss_kib"]), mib(pu["steady_pss_kib"])))
        f.write('"CPU s/h / 10" %.3f %.3f %.3f\n' % (dy["cpu_s_per_hour"] / 10, st["cpu_s_per_hour"] / 10, pu["cpu_s_per_hour"] / 10))
        f.write('"body B/sample" %.3f %.3f %.3f\n' % (net["dyn"]["body_per_sample"], net["static"]["body_per_sample"], net["peer"]["body_per_sample"]))
    scaling_dat(res, sc)
    with open(os.path.join(res, "chart.gp"), "w") as f:
        f.write(chart_gp(seconds, interval))
    subprocess.run(["gnuplot", "chart.gp"], cwd=res, check=False)
    print(md)


if __name__ == "__main__":
    main()
