//! Hostile and broken input, end to end: escapes, loops, bad values, full and read-only
//! disks, closed stdout, SIGKILL mid-write and concurrent runs. Each test proves one row of
//! SECURITY.md: nothing escapes the folders, nothing panics, and the last good pages survive.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::symlink;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Test, is_root, snapshot_error};

/// A site with one template and one page, after a good run; returns it and the page's bytes.
fn good_site(name: &str) -> (Test, String) {
    let t = Test::new(name)
        .file(
            "t/page.html",
            "<p>{{ site_name | default(value=\"Shop\") }}</p>",
        )
        .file("secret.html", "TOP-SECRET outside the template folder")
        .env("DOWNPAGE_TEMPLATE_DIR", "t")
        .env("DOWNPAGE_OUTPUT_DIR", "out")
        .env(
            "DOWNPAGE_PAGES",
            "502.html=page.html,sub/503.html=page.html",
        );
    t.ok();
    let page = t.read("out/502.html");
    assert_eq!(page, "<p>Shop</p>");
    (t, page)
}

/// The pages of `good_site` are there, byte for byte, and nothing else (no temporary file).
fn intact(t: &Test, page: &str) {
    assert_eq!(t.files("out"), ["502.html", "sub/503.html"]);
    assert_eq!(t.read("out/502.html"), page);
    assert_eq!(t.read("out/sub/503.html"), page);
}

/// A mount made for one test, undone when dropped (lazily, so a failing test cannot wedge it).
struct Mount(PathBuf);

impl Mount {
    /// Runs `mount ARGS... TARGET`; `None` (with a note) where mounting is not permitted.
    fn new(args: &[&str], target: &Path) -> Option<Mount> {
        if !is_root() {
            eprintln!("skipped: mounting needs root");
            return None;
        }
        let ok = Command::new("mount")
            .args(args)
            .arg(target)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("skipped: mount {args:?} is not permitted here");
            return None;
        }
        Some(Mount(target.to_path_buf()))
    }

    /// A read-only bind mount of `dir` onto itself.
    fn read_only(dir: &Path) -> Option<Mount> {
        let m = Mount::new(&["--bind", dir.to_str().unwrap()], dir)?;
        let ok = Command::new("mount")
            .args(["-o", "remount,ro,bind"])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(m)
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

// ---- escapes ----

#[test]
fn destinations_with_dotdot_absolute_nul_backslash_or_long_names_write_nothing() {
    let (t, page) = good_site("dests");
    let long_name = format!("{}.html", "a".repeat(300));
    let long_path = "d/".repeat(600) + "x.html";
    let cases: Vec<(String, &str)> = vec![
        (
            r#"[["../escape.html", "page.html"]]"#.into(),
            "contains \"..\"",
        ),
        (
            r#"[["sub/../../escape.html", "page.html"]]"#.into(),
            "contains \"..\"",
        ),
        (
            r#"[["/tmp/escape.html", "page.html"]]"#.into(),
            "is an absolute path",
        ),
        (
            r#"[["a\u0000b.html", "page.html"]]"#.into(),
            "contains a NUL byte",
        ),
        (
            r#"[["..\\escape.html", "page.html"]]"#.into(),
            "contains a backslash",
        ),
        (
            format!(r#"[["{long_name}", "page.html"]]"#),
            "longer than 255 bytes",
        ),
        (
            format!(r#"[["{long_path}", "page.html"]]"#),
            "bytes long (at most 1024)",
        ),
        (
            r#"[[".downpage-tmp-1", "page.html"]]"#.into(),
            "reserved prefix",
        ),
    ];
    for (list, why) in cases {
        let t = t.clone().env("DOWNPAGE_PAGES", &list);
        let r = t.fails(&["DOWNPAGE_PAGES entry 1: destination", why]);
        assert!(r.stderr.len() < 1500, "the error stays short: {}", r.stderr);
        intact(&t, &page);
    }
    assert!(!t.path("escape.html").exists() && !Path::new("/tmp/escape.html").exists());
    // A raw NUL byte in a page list file is refused the same way.
    fs::write(
        t.path("list.txt"),
        b"ok.html=page.html\nbad\0.html=page.html\n",
    )
    .unwrap();
    let t = t
        .clone()
        .unset("DOWNPAGE_PAGES")
        .env("DOWNPAGE_PAGES_FILE", "list.txt");
    t.fails(&[
        "DOWNPAGE_PAGES_FILE list.txt entry 2: destination",
        "NUL byte",
    ]);
    intact(&t, &page);
}

#[test]
fn template_names_cannot_reach_outside_the_template_folders() {
    let (t, page) = good_site("tnames");
    for name in [
        "../secret.html",
        "/etc/passwd",
        "t/../secret.html",
        "./page.html",
    ] {
        let t = t.clone().env("DOWNPAGE_PAGES", &format!("x.html={name}"));
        let r = t.fails(&["template", "not found"]);
        assert!(!r.stderr.contains("TOP-SECRET") && !r.stderr.contains("root:"));
        intact(&t, &page);
    }
    // Nor can an include, an import or an extends inside a template.
    for (tag, needle) in [
        ("{% include \"../secret.html\" %}", "not found"),
        (
            "{% import \"../secret.html\" as m %}",
            "which isn't present",
        ),
        (
            "{% extends \"/etc/passwd\" %}",
            "doesn't exist or isn't loaded",
        ),
    ] {
        let t = t.clone().file("t/page.html", tag);
        let r = t.fails(&[needle]);
        assert!(!r.stderr.contains("TOP-SECRET"), "{}", r.stderr);
        intact(&t, &page);
    }
}

#[test]
fn symlinks_in_template_folders_that_lead_outside_are_refused() {
    let (t, page) = good_site("tlinks");
    fs::create_dir_all(t.path("elsewhere")).unwrap();
    fs::write(t.path("elsewhere/x.html"), "TOP-SECRET").unwrap();
    // A file link, a folder link, and a link to a system file: each refused before reading.
    for (link, target) in [
        ("t/leak.html", t.path("secret.html")),
        ("t/dir", t.path("elsewhere")),
        ("t/passwd.html", PathBuf::from("/etc/passwd")),
    ] {
        symlink(&target, t.path(link)).unwrap();
        let r = t.fails(&["is a symlink to", "outside the template folder"]);
        assert!(!r.stderr.contains("TOP-SECRET"));
        intact(&t, &page);
        fs::remove_file(t.path(link)).unwrap();
    }
    // A link inside the folder is fine; a link back to the folder itself ends, with an error.
    symlink("page.html", t.path("t/alias.html")).unwrap();
    t.ok();
    symlink(".", t.path("t/loop")).unwrap();
    t.fails(&["nests deeper than 32 levels", "symlink loop"]);
    intact(&t, &page);
}

// ---- loops ----

#[test]
fn include_and_import_loops_end_with_an_error_not_a_stack_overflow() {
    let (t, page) = good_site("loops");
    let cases = [
        (
            vec![("t/page.html", "x{% include \"page.html\" %}")],
            "template loop: page.html includes page.html",
        ),
        (
            vec![
                ("t/page.html", "{% include \"a.html\" %}"),
                (
                    "t/a.html",
                    "{% if never %}{% include \"b.html\" %}{% endif %}",
                ),
                ("t/b.html", "{% extends \"page.html\" %}"),
            ],
            "template loop: a.html includes b.html extends page.html includes a.html",
        ),
        (
            vec![(
                "t/page.html",
                "{% import \"page.html\" as m %}{% macro f() %}x{% endmacro f %}{{ m::f() }}",
            )],
            "template loop: page.html imports page.html",
        ),
        (
            vec![("t/page.html", "{% extends \"page.html\" %}")],
            "Circular extend detected for template 'page.html'",
        ),
    ];
    for (files, needle) in cases {
        let t = Test::new("loop-case")
            .env("DOWNPAGE_TEMPLATE_DIR", "t")
            .env("DOWNPAGE_PAGES", "502.html=page.html");
        let t = files.iter().fold(t, |t, (rel, text)| t.file(rel, text));
        let r = t.fails(&[needle]);
        assert_eq!(r.status, 1, "a clean error exit, not an abort");
    }
    intact(&t, &page);
}

#[test]
fn a_template_whose_parse_would_take_minutes_is_stopped_with_an_error() {
    let (t, page) = good_site("slow-parse");
    // Found by the template fuzzer: Tera's parser backtracks exponentially on unclosed calls.
    let slow = format!(
        "{{{{ {}EEnEEe)( | safe }}}}",
        "node(n=itemEEEEEEonWe(n=item".repeat(7)
    );
    let t = t.clone().file("t/page.html", &slow);
    let started = Instant::now();
    t.fails(&[
        "template page.html (t/page.html) did not finish parsing in 10s",
        "unbalanced parentheses",
    ]);
    eprintln!("stopped after {:?}", started.elapsed());
    intact(&t, &page);
}

#[test]
fn templates_nested_or_chained_thousands_deep_are_refused_not_a_stack_overflow() {
    let (t, page) = good_site("deep-template");
    for (text, needle) in [
        (
            format!(
                "{}x{}",
                "{% if a %}".repeat(5000),
                "{% endif %}".repeat(5000)
            ),
            "nests block tags more than 200 deep",
        ),
        (
            format!("{{{{ 1{} }}}}", " + 1".repeat(3000)),
            "has a tag with more than 300 operators",
        ),
    ] {
        let t = t.clone().file("t/page.html", &text);
        let r = t.fails(&["template page.html (t/page.html)", needle]);
        assert_eq!(r.status, 1, "a clean error exit, not an abort");
        intact(&t, &page);
    }
}

#[test]
fn a_macro_that_always_calls_itself_is_refused_before_rendering() {
    let (t, page) = good_site("endless-macro");
    let t = t
        .clone()
        .file(
            "t/m.html",
            "{% macro f(n) %}<li>{{ self::f(n=n) }}</li>{% endmacro f %}",
        )
        .file("t/page.html", "{% import \"m.html\" as m %}{{ m::f(n=1) }}");
    let r = t.fails(&["template m.html: macro f → f calls itself with no {% if %} or {% for %}"]);
    assert_eq!(r.status, 1, "a clean error exit, not an abort");
    intact(&t, &page);
}

#[test]
fn a_recursive_macro_over_nested_data_renders() {
    let depth = 60; // two JSON levels each: 120 of serde_json's 128
    let tree = format!(
        "{{\"tree\": {}{{\"c\": []}}{}}}",
        "{\"c\": [".repeat(depth),
        "]}".repeat(depth)
    );
    let t = Test::new("macro-tree")
        .file(
            "t/m.html",
            "{% macro node(n) %}<ul>{% for c in n.c %}<li>{{ self::node(n=c) }}</li>{% endfor %}</ul>{% endmacro node %}",
        )
        .file("t/page.html", "{% import \"m.html\" as m %}{{ m::node(n=tree) }}")
        .env("DOWNPAGE_TEMPLATE_DIR", "t")
        .env("DOWNPAGE_CONTEXT", &tree)
        .env("DOWNPAGE_PAGES", "tree.html=page.html");
    t.ok();
    assert_eq!(t.read("pages/tree.html").matches("<ul>").count(), depth + 1);
}

// ---- bad values ----

#[test]
fn deeply_nested_json_is_a_clean_error_in_the_environment_and_in_a_page_list_file() {
    let (t, page) = good_site("deep");
    let deep = |n: usize| format!("{{\"a\":{}1{}}}", "[".repeat(n), "]".repeat(n));
    // 60,000 levels: about 120 KB, under the kernel's 128 KiB limit for one value.
    let t = t.clone().env("DOWNPAGE_CONTEXT", &deep(60_000));
    t.fails(&["DOWNPAGE_CONTEXT is not valid JSON: recursion limit exceeded"]);
    intact(&t, &page);
    let list = format!("[[\"x.html\", \"page.html\", {}]]", deep(1_000_000));
    fs::write(t.path("list.json"), list).unwrap();
    let t = t
        .clone()
        .unset("DOWNPAGE_CONTEXT")
        .unset("DOWNPAGE_PAGES")
        .env("DOWNPAGE_PAGES_FILE", "list.json");
    t.fails(&["DOWNPAGE_PAGES_FILE list.json is not valid JSON: recursion limit exceeded"]);
    intact(&t, &page);
    // Within the limit, nested data renders (and is escaped).
    let t = Test::new("deep-ok")
        .file("t/page.html", "{{ a | json_encode }}")
        .env("DOWNPAGE_TEMPLATE_DIR", "t")
        .env("DOWNPAGE_CONTEXT", &deep(120))
        .env("DOWNPAGE_PAGES", "x.html=page.html");
    t.ok();
    assert_eq!(
        t.read("pages/x.html"),
        format!("{}1{}", "[".repeat(120), "]".repeat(120))
    );
}

#[test]
fn non_utf8_values_names_and_files_are_named() {
    let (t, page) = good_site("utf8");
    // Straight to the binary: a shell would drop a variable whose name is not UTF-8.
    let direct = || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_downpage"));
        c.current_dir(&t.dir)
            .env_clear()
            .env("DOWNPAGE_TEMPLATE_DIR", "t")
            .env("DOWNPAGE_OUTPUT_DIR", "out")
            .env(
                "DOWNPAGE_PAGES",
                "502.html=page.html,sub/503.html=page.html",
            );
        c
    };
    let run = |k: &[u8], v: &[u8]| {
        let out = direct()
            .env(OsStr::from_bytes(k), OsStr::from_bytes(v))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let e = run(b"DOWNPAGE_CONTEXT", b"{\"a\": \"\xff\xfe\"}");
    assert!(e.contains("DOWNPAGE_CONTEXT is not valid UTF-8"), "{e}");
    snapshot_error(&t.dir, &e);
    let e = run(b"DOWNPAGE_VAR_\xffX", b"x");
    assert!(
        e.contains("a DOWNPAGE_* variable name is not valid UTF-8"),
        "{e}"
    );
    snapshot_error(&t.dir, &e);
    intact(&t, &page);
    // Other programs' variables may be anything.
    let out = direct()
        .env(OsStr::from_bytes(b"LANG_\xff"), OsStr::from_bytes(b"\xff"))
        .output()
        .unwrap();
    assert!(out.status.success());
    fs::write(
        t.path("list.txt"),
        b"502.html=page.html\n\xff.html=page.html\n",
    )
    .unwrap();
    let t = t
        .clone()
        .unset("DOWNPAGE_PAGES")
        .env("DOWNPAGE_PAGES_FILE", "list.txt");
    t.fails(&["DOWNPAGE_PAGES_FILE list.txt is not UTF-8 text"]);
    intact(&t, &page);
}

/// The kernel's MAX_ARG_STRLEN: one `NAME=value` string, with its NUL, is at most 32 pages.
const MAX_ARG_STRLEN: usize = 32 * 4096;

#[test]
fn values_at_the_kernels_128_kib_limit_work() {
    let name = "DOWNPAGE_PAGES";
    let room = MAX_ARG_STRLEN - name.len() - 2;
    let mut list = String::new();
    let mut n = 0;
    loop {
        let entry = format!("p{n}.html=page.html,");
        if list.len() + entry.len() + 1 > room {
            break;
        }
        list.push_str(&entry);
        n += 1;
    }
    list.push('\n');
    list.push_str(&"#".repeat(room - list.len()));
    assert_eq!(list.len(), room);
    let big = "é".repeat((MAX_ARG_STRLEN - "DOWNPAGE_VAR_BIG".len() - 2) / 2);
    let t = Test::new("argmax")
        .file("t/page.html", "{{ big | length }}")
        .env("DOWNPAGE_TEMPLATE_DIR", "t")
        .env(name, &list)
        .env("DOWNPAGE_VAR_BIG", &big);
    let r = t.ok();
    assert!(
        r.stderr.contains(&format!("wrote {n} pages")),
        "{}",
        r.stderr
    );
    assert_eq!(t.read("pages/p0.html"), big.chars().count().to_string());
    // One byte more and the kernel itself refuses to start the program.
    let err = t
        .clone()
        .env(name, &format!("{list}#"))
        .command()
        .output()
        .unwrap_err();
    assert_eq!(err.raw_os_error(), Some(7), "E2BIG: {err}");
}

// ---- escaping ----

#[test]
fn script_tags_and_quotes_in_values_are_escaped_in_html_and_valid_in_json() {
    let hostile = r#"<script>alert("x")</script>' onload='x'&"#;
    let t = Test::new("escape-html")
        .file(
            "t/page.html",
            "<a title=\"{{ v }}\">{{ v }}</a>|{{ v | safe }}",
        )
        .file("t/page.txt", "{{ v }}")
        .env("DOWNPAGE_TEMPLATE_DIR", "t")
        .env("DOWNPAGE_VAR_V", hostile)
        .env("DOWNPAGE_VAR_SITE_NAME", hostile)
        .env(
            "DOWNPAGE_CONTEXT",
            &serde_json::json!({"title": hostile}).to_string(),
        )
        .env("DOWNPAGE_PAGES", "own.html=page.html,own.txt=page.txt")
        .env("DOWNPAGE_CODES", "502")
        .env("DOWNPAGE_FORMATS", "html,json,txt");
    t.ok();
    let escaped =
        "&lt;script&gt;alert(&quot;x&quot;)&lt;&#x2F;script&gt;&#x27; onload=&#x27;x&#x27;&amp;";
    assert_eq!(
        t.read("pages/own.html"),
        format!("<a title=\"{escaped}\">{escaped}</a>|{hostile}"),
        "autoescaped in .html, raw only through |safe"
    );
    let builtin = t.read("pages/502.html");
    assert!(!builtin.contains("<script>alert"), "{builtin}");
    assert!(builtin.contains(escaped), "{builtin}");
    let json: serde_json::Value = serde_json::from_str(&t.read("pages/502.json")).unwrap();
    assert_eq!(json["title"], hostile, "JSON stays valid and exact");
    assert_eq!(
        t.read("pages/own.txt"),
        hostile,
        "text templates are not HTML"
    );
}

// ---- faults ----

#[test]
fn a_read_only_output_folder_fails_cleanly_and_keeps_the_pages() {
    let (t, page) = good_site("ro");
    let Some(_ro) = Mount::read_only(&t.path("out")) else {
        return;
    };
    // Nothing to change: a read-only volume is fine.
    t.ok();
    let t = t.clone().env("DOWNPAGE_VAR_SITE_NAME", "Changed");
    t.fails(&["writing page 502.html", "Read-only file system"]);
    intact(&t, &page);
}

#[test]
fn a_missing_output_folder_is_created_but_not_under_an_unwritable_parent() {
    let t = Test::new("missing-out").env("DOWNPAGE_OUTPUT_DIR", "a/b/c");
    t.ok();
    assert_eq!(t.files("a/b/c").len(), 4);
    if is_root() {
        fs::create_dir(t.path("locked")).unwrap();
        let t = t
            .clone()
            .env("DOWNPAGE_OUTPUT_DIR", "locked/pages")
            .run_as_nobody();
        t.fails(&["creating output folder locked/pages", "Permission denied"]);
        assert!(!t.path("locked/pages").exists());
    }
}

#[test]
fn a_full_disk_fails_cleanly_and_keeps_the_last_good_pages() {
    let t = Test::new("full")
        .file("t/page.html", "<p>{{ pad | default(value=\"small\") }}</p>")
        .env("DOWNPAGE_TEMPLATE_DIR", "t")
        .env("DOWNPAGE_OUTPUT_DIR", "out")
        .env(
            "DOWNPAGE_PAGES",
            "502.html=page.html,sub/503.html=page.html",
        );
    fs::create_dir(t.path("out")).unwrap();
    let Some(_tmpfs) = Mount::new(&["-t", "tmpfs", "-o", "size=64k", "tmpfs"], &t.path("out"))
    else {
        return;
    };
    t.ok();
    let page = t.read("out/502.html");
    // Two pages of 40 KB each do not fit in 64 KiB: the second one fails to stage.
    let t = t.clone().env("DOWNPAGE_VAR_PAD", &"x".repeat(40_000));
    t.fails(&["sub/503.html", "No space left on device"]);
    intact(&t, &page);
    // The tarball on a full disk: it does not fit, nothing is left behind.
    let mut seed = 12345u32;
    let noise: String = (0..100_000)
        .map(|_| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            char::from(b'0' + ((seed >> 16) % 75) as u8)
        })
        .collect();
    let t = t
        .clone()
        .env("DOWNPAGE_VAR_PAD", &noise)
        .env("DOWNPAGE_TARBALL", "out/pages.tar.gz")
        .unset("DOWNPAGE_OUTPUT_DIR");
    t.fails(&["pages.tar.gz", "No space left on device"]);
    intact(&t, &page);
}

#[test]
fn a_closed_or_full_stdout_is_a_clean_error() {
    let t = Test::new("stdout").arg("--help");
    // Full: /dev/full answers every write with ENOSPC.
    let out = t
        .command()
        .stdout(fs::File::create("/dev/full").unwrap())
        .output_with_stdout_ignored();
    assert_eq!(out.0, Some(1), "{}", out.1);
    assert!(
        out.1
            .starts_with("downpage: error: writing to standard output: No space left"),
        "{}",
        out.1
    );
    snapshot_error(&t.dir, &out.1);
    // Closed by the reader before anything is written: EPIPE, not a panic.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = t.command().stdout(writer).output_with_stdout_ignored();
    assert_eq!(out.0, Some(1), "{}", out.1);
    assert!(
        out.1.contains("Broken pipe") && !out.1.contains("panicked"),
        "{}",
        out.1
    );
    snapshot_error(&t.dir, &out.1);
    // A tarball to a full stdout fails and names the fix; the folder is not replaced.
    let (site, page) = good_site("stdout-tar");
    let site = site
        .clone()
        .env("DOWNPAGE_TARBALL", "-")
        .env("DOWNPAGE_VAR_SITE_NAME", "Changed");
    let out = site
        .command()
        .stdout(fs::File::create("/dev/full").unwrap())
        .output_with_stdout_ignored();
    assert_eq!(out.0, Some(1), "{}", out.1);
    assert!(out.1.contains("No space left on device"), "{}", out.1);
    snapshot_error(&site.dir, &out.1);
    intact(&site, &page);
    // Log lines to a closed stderr do not turn a good run into a failure.
    let status = Test::new("stderr-closed")
        .command()
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
}

trait OutputIgnoringStdout {
    /// Runs with stdout as already set; returns the exit code and stderr.
    fn output_with_stdout_ignored(&mut self) -> (Option<i32>, String);
}

impl OutputIgnoringStdout for Command {
    fn output_with_stdout_ignored(&mut self) -> (Option<i32>, String) {
        let out = self
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
            .wait_with_output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

/// A site of `n` pages of about 2 KB in 50 folders; `version` is in every page.
fn big_site(name: &str, n: usize) -> Test {
    let list = (0..n)
        .map(|i| format!("d{}/p{i}.html=page.html", i % 50))
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    Test::new(name)
        .file(
            "t/page.html",
            &format!(
                "{{{{ dest | safe }}}} version {{{{ version }}}}\n{}\n",
                "x".repeat(2000)
            ),
        )
        .file("list.txt", &list)
        .env("DOWNPAGE_TEMPLATE_DIR", "t")
        .env("DOWNPAGE_OUTPUT_DIR", "out")
        .env("DOWNPAGE_PAGES_FILE", "list.txt")
}

fn page_text(dest: &str, version: &str) -> String {
    format!("{dest} version {version}\n{}\n", "x".repeat(2000))
}

/// Every page is there and whole, in one of `versions`; returns how many of each, and the
/// temporary files seen (never under a page's name).
fn check_pages(t: &Test, n: usize, versions: &[&str]) -> (Vec<usize>, usize) {
    let mut counts = vec![0; versions.len()];
    for i in 0..n {
        let dest = format!("d{}/p{i}.html", i % 50);
        let text = fs::read_to_string(t.path(&format!("out/{dest}")))
            .unwrap_or_else(|e| panic!("page {dest} missing: {e}"));
        let v = versions
            .iter()
            .position(|v| text == page_text(&dest, v))
            .unwrap_or_else(|| panic!("page {dest} is not a whole page: {:?}", &text[..60]));
        counts[v] += 1;
    }
    let mut temps = 0;
    for d in 0..50 {
        for e in fs::read_dir(t.path(&format!("out/d{d}")))
            .unwrap()
            .flatten()
        {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with(".downpage-tmp-") {
                temps += 1;
            } else {
                assert!(name.starts_with('p') && name.ends_with(".html"), "{name}");
            }
        }
    }
    (counts, temps)
}

#[test]
fn sigkill_at_any_point_never_leaves_a_partial_or_missing_page() {
    const N: usize = 20_000;
    let t = big_site("sigkill", N).env("DOWNPAGE_VAR_VERSION", "A");
    t.ok();
    assert_eq!(check_pages(&t, N, &["A"]), (vec![N], 0));
    let b = t.clone().env("DOWNPAGE_VAR_VERSION", "B");
    let mut seen_temps = false;
    let mut seen_mixed = false;
    // Kill after fixed delays (while rendering or staging, depending on the machine), as soon
    // as temporary files show up (staging), and as soon as the first page is renamed into
    // place (committing).
    let staged = |t: &Test| {
        fs::read_dir(t.path("out/d0")).unwrap().flatten().any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".downpage-tmp-")
        })
    };
    let renamed = |t: &Test| {
        fs::read_to_string(t.path("out/d0/p0.html")).is_ok_and(|p| p.contains("version B"))
    };
    enum When {
        After(u64),
        Staging,
        Committing,
    }
    for when in [
        When::After(0),
        When::After(1000),
        When::Staging,
        When::Committing,
    ] {
        let started = Instant::now();
        let mut child = b.command().stderr(Stdio::null()).spawn().unwrap();
        let until = |ready: &dyn Fn(&Test) -> bool, child: &mut std::process::Child| {
            while started.elapsed() < Duration::from_secs(120)
                && child.try_wait().unwrap().is_none()
                && !ready(&t)
            {
                std::thread::sleep(Duration::from_millis(1));
            }
        };
        match when {
            When::After(ms) => std::thread::sleep(Duration::from_millis(ms)),
            When::Staging => until(&staged, &mut child),
            When::Committing => until(&renamed, &mut child),
        }
        child.kill().unwrap();
        let status = child.wait().unwrap();
        let (counts, temps) = check_pages(&t, N, &["A", "B"]);
        eprintln!(
            "killed after {} ms: {status}; pages A {} B {}, temporary files {temps}",
            started.elapsed().as_millis(),
            counts[0],
            counts[1]
        );
        if status.signal() == Some(9) {
            seen_temps |= temps > 0;
            seen_mixed |= counts[0] > 0 && counts[1] > 0;
        } else {
            assert!(status.success(), "a run that was not killed succeeded");
        }
        // The next run sweeps the leftovers and puts the whole set back.
        let a = t.clone().env("DOWNPAGE_VAR_VERSION", "A");
        a.ok();
        assert_eq!(check_pages(&t, N, &["A"]), (vec![N], 0));
    }
    // The kills must have landed in the windows that matter, or the test proved nothing:
    // killed while staging (temporary files beside the pages) and while committing (some
    // pages renamed to B, the rest still A).
    assert!(
        seen_temps,
        "no kill landed while temporary files existed: the staging window was never hit"
    );
    assert!(
        seen_mixed,
        "no kill landed between the first and the last rename: the commit window was never hit"
    );
}

#[test]
fn concurrent_runs_into_one_folder_end_with_one_complete_set() {
    const N: usize = 300;
    let base = big_site("concurrent", N);
    let mut winners = [0, 0];
    for round in 0..12 {
        let mut children: Vec<_> = ["A", "B"]
            .iter()
            .map(|v| {
                base.clone()
                    .env("DOWNPAGE_VAR_VERSION", &format!("{v}{round}"))
                    .command()
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        if round % 2 == 1 {
            children.reverse();
        }
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let (a, b) = (format!("A{round}"), format!("B{round}"));
        let (counts, temps) = check_pages(&base, N, &[&a, &b]);
        assert_eq!(temps, 0);
        assert!(
            counts == [N, 0] || counts == [0, N],
            "round {round}: a mixed set {counts:?}"
        );
        winners[usize::from(counts[1] == N)] += 1;
    }
    eprintln!(
        "last writer: A {} times, B {} times",
        winners[0], winners[1]
    );
}

#[test]
fn manifest_targets_that_escape_and_deeply_nested_manifests_are_refused() {
    let t = Test::new("manifest")
        .file("secret.css", "SECRET")
        .file("static/css/site.css", "body{}")
        .file(
            "static/staticfiles.json",
            r#"{"paths": {"css/site.css": "css/site.css"}, "version": "1.1"}"#,
        )
        .file("t/page.html", "{{ inline(path='css/site.css') }}")
        .env("DOWNPAGE_TEMPLATE_DIR", "t")
        .env("DOWNPAGE_OUTPUT_DIR", "out")
        .env("DOWNPAGE_STATIC_ROOT", "static")
        .env("DOWNPAGE_PAGES", "502.html=page.html");
    t.ok();
    let page = t.read("out/502.html");
    for target in ["../secret.css", "/etc/passwd", "css/../../secret.css"] {
        let manifest = serde_json::json!({"paths": {"css/site.css": target}, "version": "1.1"});
        let t = t
            .clone()
            .file("static/staticfiles.json", &manifest.to_string());
        let r = t.run();
        assert_ne!(r.status, 0, "{target}: {}", r.stderr);
        assert!(
            !r.stderr.contains("SECRET") && !r.stderr.contains("panicked"),
            "{}",
            r.stderr
        );
        assert_eq!(t.read("out/502.html"), page);
    }
    let deep = format!(
        "{{\"paths\": {}1{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let t = t.clone().file("static/staticfiles.json", &deep);
    t.fails(&[
        "staticfiles.json is not valid JSON",
        "recursion limit exceeded",
    ]);
    assert_eq!(t.files("out"), ["502.html"]);
}
