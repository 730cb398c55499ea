"""Data Docs that work offline, and their home page.

Great Expectations renders its validation pages with Bootstrap, bootstrap-table, Font Awesome,
jQuery and Vega loaded from CDNs, and its logo from S3; without internet a page is unstyled.
GX 1.24 ships only its own styles (already inlined in each page), images and fonts under
`great_expectations/render/view/static/`, not those libraries. So each page is rewritten
(`offline_page`): the remote `<link>`/`<script>` tags go, a local stylesheet that covers the
classes the pages use (`pipeline/data/data_docs.css`, inlined) takes Bootstrap's place, and GX's
images are copied from the installed package into `_data_docs/_static/gx/` and linked
relatively. What still needs those scripts (the "Failed Only" filter, Vega charts) does not
work offline; every result, status and value is on the page.

The home page (`_data_docs/index.html`) lists every validated run with its status, failures
first, then warnings, then passes, newest date first within each; each run's page carries its
status in `<meta name="newsevents:...">` tags, so the home is rebuilt from the pages alone.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

STYLESHEET = Path(__file__).with_name("data") / "data_docs.css"
STATIC = "_static/gx"  # under the Data Docs home
# every page sits two folders below the home: DATE/RUN/ or _passes/KEY/
TO_HOME = "../../"
REMOTE_LINK = re.compile(r"<link\b[^>]*\bhref=[\"'](?:https?:)?//[^>]*>\s*", re.I)
REMOTE_SCRIPT = re.compile(r"<script\b[^>]*\bsrc=[\"'](?:https?:)?//[^\"']*[\"'][^>]*>\s*</script>\s*", re.I)
GX_ASSET = re.compile(r"https?://great-expectations-web-assets\.[^\"')\s]*?/([\w.-]+)(?:\?[^\"')\s]*)?(?=[\"')])")
GX_STATIC = re.compile(r"(?:\.\./|\./)*static/images/([\w.-]+)")
GX_HOME = re.compile(r"href=\"(?:\.\./)+index\.html\"")
# GX links a suite's name to a suite page of its own site layout, which is not rendered here
GX_SUITE_LINK = re.compile(r"<a href=\"(?:\.\./)+expectations/([\w.-]+)\.html\"\s*>([^<]*)</a>")
STATUS_ORDER = {"failed": 0, "warning": 1, "passed": 2}
META = re.compile(r"<meta name=\"newsevents:(\w+)\" content=\"([^\"]*)\">")


def gx_images() -> Path:
    """The images folder of the installed great_expectations package."""
    import great_expectations

    return Path(great_expectations.__file__).parent / "render" / "view" / "static" / "images"


def _local_image(name: str, shipped: set[str]) -> str:
    # an image GX does not ship (its dark-mode logo) is shown as the logo it does ship
    return f"{TO_HOME}{STATIC}/{name if name in shipped else 'logo-long.png'}"


def offline_page(page: str, shipped: set[str]) -> str:
    """A GX page that loads nothing from the network: CDN tags removed, local styles, local images."""
    page = REMOTE_LINK.sub("", page)
    page = REMOTE_SCRIPT.sub("", page)
    page = GX_ASSET.sub(lambda m: _local_image(m.group(1), shipped), page)
    page = GX_STATIC.sub(lambda m: _local_image(m.group(1), shipped), page)
    page = GX_HOME.sub(f'href="{TO_HOME}index.html"', page)
    page = GX_SUITE_LINK.sub(r'<span title="expectations/\1.json in the project">\2</span>', page)
    style = f"<style>{STYLESHEET.read_text(encoding='utf-8')}</style>\n"
    at = page.find("<style")
    return page[:at] + style + page[at:] if at >= 0 else page.replace("</head>", style + "</head>", 1)


def write_static(home: str) -> set[str]:
    """Copy GX's small images (logo, favicon) under the home once; returns the names shipped."""
    from pipeline.warehouse import filesystem, join, write_bytes

    shipped = {
        p.name for p in gx_images().iterdir() if p.suffix in (".png", ".ico", ".svg") and p.stat().st_size < 100_000
    }
    fs, _ = filesystem(home)
    for name in sorted(shipped):
        target = join(home, STATIC, name)
        if not fs.exists(filesystem(target)[1]):
            write_bytes((gx_images() / name).read_bytes(), target)
    return shipped


def fill_run_info(result, run_name: str, run_time: dt.datetime, data_asset: str) -> None:
    """Give a GX validation result the run name, time and data asset its page shows (else `__none__`)."""
    result.meta["run_id"] = {"run_name": run_name, "run_time": run_time.isoformat()}
    spec = dict(result.meta.get("batch_spec") or {})
    spec["data_asset_name"] = data_asset
    result.meta["batch_spec"] = spec


def run_meta(report: dict) -> str:
    """The `<meta>` tags a partition's index carries so the home can list it without other files."""
    fields = {
        "published_date": report["published_date"],
        "run_id": report["run_id"],
        "outcome": report["outcome"],
        "errors": report["errors"],
        "warnings": report["warnings"],
        "checks": report["checks"],
    }
    return "".join(f'<meta name="newsevents:{k}" content="{html.escape(str(v))}">' for k, v in fields.items())


def run_of(index_html: str, href: str) -> dict:
    """A home row from a partition index's meta tags (pages from before the tags: status unknown)."""
    found = {k: html.unescape(v) for k, v in META.findall(index_html)}
    date, _, run = href.rpartition("/index.html")[0].partition("/")
    return {
        "href": href,
        "published_date": found.get("published_date", date),
        "run_id": found.get("run_id", run),
        "outcome": found.get("outcome", "unknown"),
        "errors": found.get("errors", ""),
        "warnings": found.get("warnings", ""),
        "checks": found.get("checks", ""),
    }


def ordered(runs: list[dict]) -> list[dict]:
    """Failures first, then warnings, passes, unknown; newest date, then run id, first within each."""
    runs = sorted(runs, key=lambda r: (r["published_date"], r["run_id"]), reverse=True)
    return sorted(runs, key=lambda r: STATUS_ORDER.get(r["outcome"], len(STATUS_ORDER)))


def home_html(runs: list[dict]) -> str:
    esc = html.escape
    counts = {s: sum(1 for r in runs if r["outcome"] == s) for s in (*STATUS_ORDER, "unknown")}
    rows = "".join(
        f"<tr class='{esc(r['outcome'])}'><td>{esc(r['outcome'])}</td><td>{esc(r['published_date'])}</td>"
        f"<td><a href='{esc(r['href'])}'>{esc(r['run_id'])}</a></td><td>{esc(str(r['errors']))}</td>"
        f"<td>{esc(str(r['warnings']))}</td><td>{esc(str(r['checks']))}</td></tr>"
        for r in ordered(runs)
    )
    summary = " · ".join(f"{n} {s}" for s, n in counts.items() if n)
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>newsevents validation</title>"
        "<style>body{font-family:sans-serif;margin:1.5rem}table{border-collapse:collapse}"
        "td,th{padding:3px 10px;text-align:left;border-bottom:1px solid #ddd}"
        ".failed{background:#fdd}.warning{background:#ffd}</style></head><body>"
        f"<h1>Validation runs ({len(runs)})</h1><p>{esc(summary)}; failures first, then newest date.</p>"
        "<table><tr><th>status</th><th>date</th><th>run</th><th>errors</th><th>warnings</th><th>checks</th></tr>"
        f"{rows}</table></body></html>"
    )
