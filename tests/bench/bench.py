"""The benchmark harness (run it through tests/bench/run.sh, which builds and installs what
it needs). Renders one workload with downpage, django-downpage and a plain Jinja2 script,
checks that their outputs are the same bytes, writes the same bytes with a minimal C program
(the I/O floor), and times every tool as cold whole processes into fresh output folders on a
tmpfs. Writes a Markdown table and a PNG plot.

Usage: bench.py --work DIR --bin DOWNPAGE --tools DIR [--sizes 4,100] [--runs N]
                [--markdown FILE] [--json FILE] [--plot FILE]
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
PEERS = HERE / "peers"
TARBALL = "pages.tar.gz"

# Site-wide context: downpage's DOWNPAGE_CONTEXT; merged into each page's context for the peers.
SITE = {
    "site_name": "Example Shop",
    "brand_color": "#0b5fff",
    "lang": "en",
    "nav": ["shop", "help", "status", "contact"],
    "support": "Call us on 0800 123 456 or write to help at example.com",
}
# Values hold no character that the engines escape differently (Tera writes ' as &#x27; and
# / as &#x2F;, Django ' as &#x27;, Jinja2 ' as &#39;): the outputs can then match byte for byte.
CODES = [
    (500, "Internal Server Error", "Something went wrong on our side.", ""),
    (502, "Bad Gateway", "The server behind this page did not answer.", "Please try again in a minute."),
    (503, "Service Unavailable", "The shop is down for planned maintenance.", "We will be back shortly."),
    (504, "Gateway Timeout", "The server took too long to answer.", ""),
]


def workload(n):
    """N pages of one template (extends a ~3.4 KB base, two includes), each with its own context."""
    pages = []
    for i in range(n):
        code, title, message, hint = CODES[i % len(CODES)]
        pages.append(
            {
                "dest": f"p{i:05d}.html",
                "template": "page.html",
                "context": {
                    "code": code,
                    "title": title,
                    "message": f"{message} Page {i + 1} of {n}.",
                    "hint": hint,
                    "ref": f"{i:05d}-{code}",
                },
            }
        )
    return pages


def tree(root):
    """{relative path: bytes} of every file under root."""
    out = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            path = Path(dirpath) / name
            out[str(path.relative_to(root))] = path.read_bytes()
    return out


def same_tree(ref, other, label):
    a, b = tree(ref), tree(other)
    if a.keys() != b.keys():
        extra = sorted(set(b) - set(a))[:3]
        missing = sorted(set(a) - set(b))[:3]
        sys.exit(f"bench: {label}: files differ from downpage's (extra {extra}, missing {missing})")
    for name in sorted(a):
        if a[name] != b[name]:
            x, y = a[name], b[name]
            at = next((i for i in range(min(len(x), len(y))) if x[i] != y[i]), min(len(x), len(y)))
            sys.exit(
                f"bench: {label}: {name} differs from downpage's at byte {at}: "
                f"{x[max(0, at - 40):at + 40]!r} vs {y[max(0, at - 40):at + 40]!r}"
            )
    return len(a), sum(len(v) for v in a.values())


def write_pack(files, path):
    """The floor's input: records NAME\\0LENGTH\\0BYTES."""
    with open(path, "wb") as f:
        for name in sorted(files):
            data = files[name]
            f.write(name.encode() + b"\0" + str(len(data)).encode() + b"\0" + data)


class Tool:
    def __init__(self, key, label, command):
        self.key, self.label, self.command = key, label, command  # command(out) -> (argv, env)


def timeit(timer, tool, out, log):
    argv, env = tool.command(out)
    with open(log, "ab") as err:
        res = subprocess.run([timer, *argv], env=env, stdout=subprocess.PIPE, stderr=err, check=True)
    ms, rss_kb, code, cpu = res.stdout.split()
    if int(code) != 0:
        sys.exit(f"bench: {tool.label} failed (exit {int(code)}) into {out}: see {log}")
    return float(ms), int(rss_kb), float(cpu)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True, type=Path)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--tools", required=True, type=Path, help="folder with the compiled timeit and floor")
    ap.add_argument("--sizes", default="4,100,1000,10000")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--markdown", type=Path)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--plot", type=Path)
    ap.add_argument("--readme", type=Path, help="Markdown file whose <!-- bench:start/end --> part gets the table")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--static-bin", help="also time this build (static, as the container image has it)")
    args = ap.parse_args()

    work = args.work
    timer, floor = str(args.tools / "timeit"), str(args.tools / "floor")
    python = sys.executable
    base_env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    log = work / "stderr.log"
    site_json = json.dumps(SITE)
    results = []  # dicts: pages, output, tool, times, rss

    def downpage_tool(pages_file, tar=False, binary=None, syntax=None):
        def command(out):
            if tar:  # only the tarball: no output folder
                env = dict(base_env, DOWNPAGE_TARBALL=str(out / TARBALL))
            else:
                env = dict(base_env, DOWNPAGE_OUTPUT_DIR=str(out))
            if pages_file is not None:
                env.update(
                    DOWNPAGE_TEMPLATE_DIR=str(TEMPLATES),
                    DOWNPAGE_PAGES_FILE=str(pages_file),
                    DOWNPAGE_CONTEXT=site_json,
                )
            if syntax:
                env["DOWNPAGE_SYNTAX"] = syntax
            return [binary or args.bin], env

        if syntax:
            return Tool(f"downpage-{syntax}", f"downpage ({syntax})", command)
        return Tool("downpage", "downpage", command)

    def static_group(label, n, pages_file, ref_dir, pack):
        if args.static_bin:
            tools = [downpage_tool(pages_file, binary=args.static_bin), floor_tool(pack)]
            group(label, n, "dir, static binary", tools, ref_dir)

    def floor_tool(pack):
        return Tool("floor", "floor (C)", lambda out: ([floor, str(out), str(pack)], dict(base_env)))

    def peer_tools(pages_file):
        peer_env = dict(base_env, BENCH_CONTEXT=site_json, BENCH_PAGES=str(pages_file), BENCH_TEMPLATES=str(TEMPLATES))
        jinja = Tool(
            "jinja2",
            "Jinja2 script",
            lambda out: ([python, str(PEERS / "jinja_render.py"), str(TEMPLATES), str(pages_file), str(out)], peer_env),
        )
        django = Tool(
            "django",
            "django-downpage",
            lambda out: (
                [python, str(PEERS / "manage.py"), "downpagegenerate"],
                dict(peer_env, BENCH_OUT=str(out), PYTHONPATH=str(PEERS)),
            ),
        )
        return [jinja, django]

    def group(label, n, output, tools, ref_dir):
        """Checks every tool's output against ref_dir once, then times `runs` interleaved rounds."""
        gdir = work / f"{label}-{output}".replace(" ", "_").replace(",", "")
        for tool in tools:
            check = gdir / f"check-{tool.key}"
            check.mkdir(parents=True)
            timeit(timer, tool, check, log)
            files, size = same_tree(ref_dir, check, f"{tool.label} ({label} pages)")
        samples = {t.key: ([], [], []) for t in tools}
        for r in range(args.runs):
            for tool in tools:
                out = gdir / f"{tool.key}-{r}"
                out.mkdir()  # fresh and empty for every tool; nothing is deleted while timing
                for series, value in zip(samples[tool.key], timeit(timer, tool, out, log)):
                    series.append(value)
        for tool in tools:
            times, rss, cpu = samples[tool.key]
            results.append(
                {
                    "pages": label,
                    "n": n,
                    "output": output,
                    "tool": tool.key,
                    "label": tool.label,
                    "times_ms": times,
                    "rss_kb": rss,
                    "cpu_ms": cpu,
                }
            )
            print(
                f"  {label:>13} {output:<4} {tool.label:<16} median {statistics.median(times):9.2f} ms"
                f"  min {min(times):9.2f}  max {max(times):9.2f}  cpu {statistics.median(cpu):9.2f}"
                f"  rss {max(rss) / 1024:6.1f} MB",
                flush=True,
            )
        print(f"  {label:>13} {output:<4} {files} files, {size} bytes, outputs identical", flush=True)
        shutil.rmtree(gdir)  # after the group's timing, on a tmpfs

    def tar_group(label, n, pages_file, ref_dir):
        """downpage writing only a tarball, against the floor writing the same bytes; the
        tarball's members must be the folder run's files."""
        ref = work / f"ref-tar-{n}-{len(label)}"
        ref.mkdir()
        timeit(timer, downpage_tool(pages_file, tar=True), ref, log)
        with tarfile.open(ref / TARBALL) as tar:
            members = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
        if members != tree(ref_dir):
            sys.exit(f"bench: the tarball of {label} pages does not hold the folder run's files")
        pack = work / f"tar-{n}-{len(label)}.pack"
        write_pack(tree(ref), pack)
        group(label, n, "tar", [downpage_tool(pages_file, tar=True), floor_tool(pack)], ref)

    # The default zero-config run: the built-in pages, against the floor writing their bytes.
    ref = work / "ref-default"
    timeit(timer, downpage_tool(None), ref, log)
    pack = work / "default.pack"
    write_pack(tree(ref), pack)
    group("4 (built-in)", 4, "dir", [downpage_tool(None), floor_tool(pack)], ref)
    static_group("4 (built-in)", 4, None, ref, pack)
    tar_group("4 (built-in)", 4, None, ref)

    for n in [int(s) for s in args.sizes.split(",")]:
        pages_file = work / f"pages-{n}.json"
        pages_file.write_text(json.dumps(workload(n)))
        ref = work / f"ref-{n}"
        timeit(timer, downpage_tool(pages_file), ref, log)
        pack = work / f"pages-{n}.pack"
        write_pack(tree(ref), pack)
        # The same workload read as Django templates (DOWNPAGE_SYNTAX=django): same bytes.
        tools = [downpage_tool(pages_file), downpage_tool(pages_file, syntax="django"), floor_tool(pack)]
        if not args.no_peers:
            tools += peer_tools(pages_file)
        group(str(n), n, "dir", tools, ref)
        static_group(str(n), n, pages_file, ref, pack)
        tar_group(str(n), n, pages_file, ref)

    meta = machine(args.bin, python)
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "runs": args.runs, "results": results}, indent=1) + "\n")
    if args.markdown:
        args.markdown.write_text(markdown(results, meta, args.runs))
        print(f"bench: wrote {args.markdown}")
    if args.readme:
        text = args.readme.read_text()
        start, end = text.index("<!-- bench:start"), text.index("<!-- bench:end -->")
        start = text.index("\n", start) + 1
        table = markdown(results, meta, args.runs).split("\n", 1)[1]
        args.readme.write_text(text[:start] + table + text[end:])
        print(f"bench: updated {args.readme}")
    if args.plot:
        plot(results, args.plot)
        print(f"bench: wrote {args.plot}")


def machine(binary, python):
    def out(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return "?"

    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    versions = out([python, "-c", "import django, jinja2, importlib.metadata as m; print(f'Django {django.get_version()}, django-downpage {m.version(\"django-downpage\")}, Jinja2 {jinja2.__version__}')"])
    return {
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "peers": versions,
        "downpage": out([binary, "--version"]),
        "binary_bytes": os.path.getsize(binary),
        "commit": out(["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"]),
        "load": Path("/proc/loadavg").read_text().split()[0],
    }


def cell(r):
    t = r["times_ms"]
    return f"{fmt(statistics.median(t))} ({fmt(min(t))}–{fmt(max(t))})"


def fmt(ms):
    return f"{ms:.2f}" if ms < 10 else f"{ms:.1f}" if ms < 100 else f"{ms:.0f}"


def mb(r):
    return f"{max(r['rss_kb']) / 1024:.1f}"


def markdown(results, meta, runs):
    by = {(r["pages"], r["output"], r["tool"]): r for r in results}
    rows = []
    for key in dict.fromkeys((r["pages"], r["output"]) for r in results):
        ours = by[key + ("downpage",)]
        fl = by.get(key + ("floor",))
        jin = by.get(key + ("jinja2",))
        dj = by.get(key + ("django",))
        med = lambda r: statistics.median(r["times_ms"])  # noqa: E731
        ratio = lambda a, b: f"{med(a) / med(b):.2f}×" if a and b else "—"  # noqa: E731
        peer_ratio = lambda a, b: f"{med(a) / med(b):.0f}×" if a and b else "—"  # noqa: E731
        cpu = lambda r: statistics.median(r["cpu_ms"])  # noqa: E731
        rows.append(
            "| {} | {} | {} | {} | **{}** | {} | {} | {} | {} | {} | {} |".format(
                key[0],
                key[1],
                cell(ours),
                cell(fl) if fl else "—",
                ratio(ours, fl),
                f"{cpu(ours) / cpu(fl):.2f}×" if fl and cpu(fl) > 0 else "—",
                cell(jin) if jin else "—",
                cell(dj) if dj else "—",
                peer_ratio(jin, ours),
                peer_ratio(dj, ours),
                " / ".join(mb(r) if r else "—" for r in (ours, fl, jin, dj)),
            )
        )
    head = (
        "| pages | output | downpage ms | floor ms | downpage / floor | (CPU time) | Jinja2 script ms "
        "| django-downpage ms | Jinja2 / downpage | django / downpage "
        "| peak RSS MB (downpage / floor / Jinja2 / django) |\n"
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    )
    zero, dj4 = by.get(("4 (built-in)", "dir", "downpage")), by.get(("4", "dir", "django"))
    default_vs_django = ""
    if zero and dj4:
        m = lambda r, f: statistics.median(r[f])  # noqa: E731
        default_vs_django = (
            f"\nThe default set against django-downpage rendering 4 pages: "
            f"{m(dj4, 'times_ms') / m(zero, 'times_ms'):.0f}× faster by median wall time, "
            f"{min(dj4['times_ms']) / min(zero['times_ms']):.0f}× by fastest run, "
            f"{m(dj4, 'cpu_ms') / m(zero, 'cpu_ms'):.0f}× by CPU time.\n"
        )
    syntax_rows = [
        (key[0], by[key + ("downpage-django",)], by[key + ("downpage",)])
        for key in dict.fromkeys((r["pages"], r["output"]) for r in results)
        if key + ("downpage-django",) in by
    ]
    if syntax_rows:
        med = lambda r: statistics.median(r["times_ms"])  # noqa: E731
        default_vs_django += (
            "\nThe same workload read as Django templates (`DOWNPAGE_SYNTAX=django`, same bytes) "
            "against Tera, median wall time: "
            + ", ".join(f"{n} pages {med(d):.1f} ms vs {med(t):.1f} ms ({med(d) / med(t):.2f}×)" for n, d, t in syntax_rows)
            + ".\n"
        )
    notes = default_vs_django + f"""
Median (min–max) of {runs} cold whole-process runs each, wall time from spawn to exit, every
run into a fresh empty folder on a tmpfs; peak RSS is the largest of the runs (getrusage).
"(CPU time)" compares the medians of user + system CPU time, which the machine's load does
not inflate. The floor's RSS includes its input: it reads all the bytes to write at once.
`4 (built-in)` is the zero-config run (downpage's built-in pages, no variables) against the
floor writing the same four files; the other rows render `tests/bench/templates` (a
~3.4 KB `base.html` with two includes, extended by `page.html`, per-page context plus a
site-wide context). Every tool's output was checked byte for byte against downpage's.
`tar` rows: downpage writes only `DOWNPAGE_TARBALL` (a reproducible `.tar.gz`, whose
members were checked against the folder run's files) and the floor writes the same bytes to
one file; django-downpage and the script have no tarball output. `dir, static binary` rows
time the binary built as the container image builds it (`--profile image`, static musl:
no dynamic loading at start) against the floor again.

Machine: {meta['cpu']}, {meta['cores']} cores, Linux {meta['kernel']}, {meta['date']}
(load average {meta['load']} at the end of the run: the machine was shared);
{meta['downpage']} ({meta['commit']}, release binary {meta['binary_bytes']:,} bytes);
Python {meta['python']}, {meta['peers']}.
"""
    return f"<!-- made by tests/bench/run.sh; do not edit by hand -->\n{head}\n" + "\n".join(rows) + "\n" + notes


def plot(results, path):
    """Wall time (left) and CPU time (right, what machine load does not inflate) against N."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    styles = {
        "downpage": ("downpage", "#0b5fff", "o"),
        "floor": ("floor (C program, same bytes)", "#444444", "s"),
        "jinja2": ("Jinja2 script", "#e07b00", "^"),
        "django": ("django-downpage", "#0c7d3c", "D"),
    }
    fig, axes = plt.subplots(1, 2, figsize=(12, 5.2), dpi=100, sharey=True)
    for ax, field, title in ((axes[0], "times_ms", "wall time"), (axes[1], "cpu_ms", "CPU time (user + system)")):
        for output, dash in (("dir", "-"), ("tar", "--"), ("dir, static binary", ":")):
            for key, (label, color, marker) in styles.items():
                rs = [r for r in results if r["tool"] == key and r["output"] == output and not r["pages"].endswith(")")]
                if not rs or (output == "dir, static binary" and key != "downpage"):
                    continue
                xs = [r["n"] for r in rs]
                meds = [statistics.median(r[field]) for r in rs]
                lo = [m - min(r[field]) for m, r in zip(meds, rs)]
                hi = [max(r[field]) - m for m, r in zip(meds, rs)]
                name = {"dir": label, "tar": f"{label}, tarball"}.get(output, f"{label}, static binary")
                ax.errorbar(xs, meds, yerr=[lo, hi], label=name, color=color, marker=marker, linestyle=dash, capsize=3)
        for r in results:
            if r["pages"].endswith(")") and r["output"] == "dir":
                color, marker = ("#0b5fff", "*") if r["tool"] == "downpage" else ("#444444", "x")
                label = "downpage, zero-config" if r["tool"] == "downpage" else "floor, zero-config files"
                ax.plot([r["n"]], [statistics.median(r[field])], marker=marker, color=color, markersize=12, linestyle="", label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("pages")
        ax.set_title(f"{title}, ms (median, min–max)")
        ax.grid(True, which="both", alpha=0.3)
    axes[1].legend(fontsize=8, loc="lower right")
    fig.suptitle("Rendering N pages: cold whole process, output on a tmpfs")
    fig.tight_layout()
    fig.savefig(path)


if __name__ == "__main__":
    main()
