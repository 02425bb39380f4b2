"""The plain Jinja2 script: what a site would write by hand. Same templates, same page list,
same site-wide context (page values winning), autoescaping on like the others, and
keep_trailing_newline so a template's last newline is kept as Tera and Django keep it."""
import json
import os
import sys

from jinja2 import Environment, FileSystemLoader


def main():
    templates, pages_file, out = sys.argv[1:4]
    env = Environment(
        loader=FileSystemLoader(templates), autoescape=True, keep_trailing_newline=True
    )
    site = json.loads(os.environ["BENCH_CONTEXT"])
    with open(pages_file, encoding="utf-8") as f:
        pages = json.load(f)
    for page in pages:
        html = env.get_template(page["template"]).render({**site, **page["context"]})
        with open(os.path.join(out, page["dest"]), "w", encoding="utf-8") as f:
            f.write(html)


if __name__ == "__main__":
    main()
