//! End-to-end tests of delivery: the tarball (reproducible, to a file or stdout, write
//! errors), the `.gz` copies, the index, the nginx snippet and the ingress-nginx layout.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Stdio};

use crate::support::{Test, mode, snapshot_error};

/// The tarball's entries: path → (type, mode, uid, gid, mtime, user name, group name, bytes).
type Listing = BTreeMap<String, (char, u32, u64, u64, u64, String, String, Vec<u8>)>;

/// Reads a `.tar.gz` back with the `tar` and `flate2` crates, in archive order.
fn list(gz: &[u8]) -> (Vec<String>, Listing) {
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(gz)
        .read_to_end(&mut tar)
        .unwrap();
    let mut order = Vec::new();
    let mut listing = Listing::new();
    let mut archive = tar::Archive::new(&tar[..]);
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let h = entry.header().clone();
        let path = String::from_utf8(entry.path_bytes().into_owned()).unwrap();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        let kind = if h.entry_type().is_dir() { 'd' } else { 'f' };
        order.push(path.clone());
        listing.insert(
            path,
            (
                kind,
                h.mode().unwrap(),
                h.uid().unwrap(),
                h.gid().unwrap(),
                h.mtime().unwrap(),
                h.username().unwrap().unwrap_or("?").to_string(),
                h.groupname().unwrap().unwrap_or("?").to_string(),
                bytes,
            ),
        );
    }
    (order, listing)
}

fn sha256sum(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()[..64].to_string()
}

const PAGES: &str = "errors/504.html=page.html,502.html=page.html,about/team.html=page.html";

/// A site with pages in a sub-folder and one page without a status code.
fn site(name: &str) -> Test {
    Test::new(name)
        .file(
            "templates/page.html",
            "<h1>{{ code | default(value=0) }} {{ dest }}</h1>\n",
        )
        .env("DOWNPAGE_TEMPLATE_DIR", "templates")
        .env("DOWNPAGE_PAGES", PAGES)
}

#[test]
fn tarball_is_identical_across_time_path_cwd_umask_and_user() {
    let a = site("repro-a")
        .umask("022")
        .env("DOWNPAGE_TARBALL", "pages.tar.gz");
    a.ok();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let b = site("repro-b").umask("077").run_as_nobody();
    fs::create_dir(b.path("deep")).unwrap();
    fs::set_permissions(b.path("deep"), fs::Permissions::from_mode(0o777)).unwrap();
    let b_target = b.path("deep/other-name.tgz");
    let b = b
        .env("DOWNPAGE_TARBALL", b_target.to_str().unwrap())
        .env("DOWNPAGE_OUTPUT_DIR", "deep/elsewhere/out");
    b.ok();
    let one = fs::read(a.path("pages.tar.gz")).unwrap();
    let two = fs::read(&b_target).unwrap();
    assert_eq!(sha256sum(&a.path("pages.tar.gz")), sha256sum(&b_target));
    assert_eq!(one, two);
    assert_eq!(mode(&b_target), 0o644, "tarball mode despite umask 077");
    // The gzip header: no FNAME flag, mtime 0, best compression, Unix.
    assert_eq!(&one[..10], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3]);
    // A different SOURCE_DATE_EPOCH gives a different, but again reproducible, archive.
    let c = site("repro-c")
        .env("DOWNPAGE_TARBALL", "p.tgz")
        .env("SOURCE_DATE_EPOCH", "1700000000");
    c.ok();
    assert_ne!(fs::read(c.path("p.tgz")).unwrap(), one);
}

#[test]
fn tarball_lists_exactly_the_pages_with_fixed_metadata() {
    let t = site("listing")
        .env("DOWNPAGE_TARBALL", "out.tar.gz")
        .env("DOWNPAGE_OUTPUT_DIR", "pages")
        .env("SOURCE_DATE_EPOCH", "1700000000");
    let r = t.ok();
    assert!(
        r.stderr.contains("wrote 3 pages (3 changed, 0 unchanged")
            && r.stderr.contains("to pages, to tarball out.tar.gz ("),
        "{}",
        r.stderr
    );
    let (order, listing) = list(&fs::read(t.path("out.tar.gz")).unwrap());
    assert_eq!(
        order,
        [
            "502.html",
            "about/",
            "about/team.html",
            "errors/",
            "errors/504.html"
        ]
    );
    for (path, (kind, mode, uid, gid, mtime, user, group, bytes)) in &listing {
        let want_mode = if *kind == 'd' { 0o755 } else { 0o644 };
        assert_eq!(*mode, want_mode, "{path}");
        assert_eq!((*uid, *gid, *mtime), (0, 0, 1_700_000_000), "{path}");
        assert_eq!((user.as_str(), group.as_str()), ("", ""), "{path}");
        if *kind == 'f' {
            assert_eq!(bytes, &fs::read(t.path(&format!("pages/{path}"))).unwrap());
        }
    }
    // GNU tar reads it the same way, without a warning.
    let out = Command::new("tar")
        .args(["--numeric-owner", "-tvzf", "out.tar.gz"])
        .env("TZ", "UTC")
        .current_dir(&t.dir)
        .output()
        .unwrap();
    assert!(out.status.success() && out.stderr.is_empty(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert!(lines[0].starts_with("-rw-r--r-- 0/0 "), "{text}");
    assert!(lines[1].starts_with("drwxr-xr-x 0/0 "), "{text}");
    assert!(
        lines[4].ends_with(" 2023-11-14 22:13 errors/504.html"),
        "{text}"
    );
}

#[test]
fn tarball_alone_writes_no_folder_and_is_not_rewritten_when_unchanged() {
    let t = Test::new("tar-only").env("DOWNPAGE_TARBALL", "p.tar.gz");
    let r = t.ok();
    assert!(
        r.stderr
            .starts_with("downpage: wrote 4 pages to tarball p.tar.gz ("),
        "{}",
        r.stderr
    );
    assert!(!t.path("pages").exists());
    let (order, _) = list(&fs::read(t.path("p.tar.gz")).unwrap());
    assert_eq!(order, ["500.html", "502.html", "503.html", "504.html"]);
    let before = fs::metadata(t.path("p.tar.gz")).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let r = t.ok();
    assert!(r.stderr.contains("bytes, unchanged)"), "{}", r.stderr);
    let after = fs::metadata(t.path("p.tar.gz")).unwrap();
    assert_eq!(
        (before.ino(), before.modified().unwrap()),
        (after.ino(), after.modified().unwrap())
    );
    assert_eq!(t.files(""), ["p.tar.gz"], "no temporary file left");
}

#[test]
fn tarball_to_stdout_holds_only_the_archive() {
    let file = Test::new("stdout-file").env("DOWNPAGE_TARBALL", "p.tar.gz");
    file.ok();
    let t = Test::new("stdout").env("DOWNPAGE_TARBALL", "-");
    let out = t.command().output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(out.stdout, fs::read(file.path("p.tar.gz")).unwrap());
    assert!(
        stderr.starts_with("downpage: wrote 4 pages to tarball stdout ("),
        "{stderr}"
    );
    assert!(!t.path("pages").exists());
}

#[test]
fn a_full_disk_fails_cleanly_and_replaces_nothing() {
    let t = site("full")
        .env("DOWNPAGE_TARBALL", "/dev/full")
        .env("DOWNPAGE_OUTPUT_DIR", "pages");
    let r = t.fails(&[
        "DOWNPAGE_TARBALL /dev/full",
        "the disk is full",
        "No space left",
    ]);
    assert!(!r.stderr.contains("wrote"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
    assert!(t.files("pages").is_empty(), "no page written on failure");
    // With earlier pages there, they survive byte for byte.
    let good = site("full-after").env("DOWNPAGE_VAR_X", "1");
    good.ok();
    let page = good.read("pages/502.html");
    let bad = good
        .file("templates/page.html", "<h1>changed</h1>")
        .env("DOWNPAGE_TARBALL", "/dev/full")
        .env("DOWNPAGE_OUTPUT_DIR", "pages");
    bad.fails(&["the disk is full"]);
    assert_eq!(bad.read("pages/502.html"), page);
    assert_eq!(bad.files("pages").len(), 3);
}

#[test]
fn a_closed_stdout_is_an_error_not_a_success() {
    let t = Test::new("closed").env("DOWNPAGE_TARBALL", "-");
    // A pipe whose reading end is closed before downpage even starts.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut child = t
        .command()
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("downpage: error: writing the tarball to stdout"),
        "{stderr}"
    );
    assert!(stderr.contains("reading end closed"), "{stderr}");
    assert!(!stderr.contains("wrote"), "{stderr}");
    snapshot_error(&t.dir, &stderr);
}

#[test]
fn bad_tarball_settings_are_named() {
    Test::new("epoch")
        .env("DOWNPAGE_TARBALL", "p.tgz")
        .env("SOURCE_DATE_EPOCH", "last tuesday")
        .fails(&[
            "SOURCE_DATE_EPOCH \"last tuesday\" is not a time",
            "git log",
        ]);
    Test::new("tar-dir")
        .file("tgz/keep", "x")
        .env("DOWNPAGE_TARBALL", "tgz")
        .fails(&["DOWNPAGE_TARBALL tgz is a folder"]);
    Test::new("tar-nodir")
        .env("DOWNPAGE_TARBALL", "no/such/p.tgz")
        .fails(&[
            "DOWNPAGE_TARBALL no/such/p.tgz",
            "its folder does not exist",
        ]);
}

#[test]
fn gzip_copies_sit_beside_every_page_and_are_not_rewritten() {
    let t = site("gzip").env("DOWNPAGE_GZIP", "true").umask("077");
    let r = t.ok();
    assert!(
        r.stderr
            .contains("wrote 3 pages (6 files, 6 changed, 0 unchanged"),
        "{}",
        r.stderr
    );
    assert_eq!(
        t.files("pages"),
        [
            "502.html",
            "502.html.gz",
            "about/team.html",
            "about/team.html.gz",
            "errors/504.html",
            "errors/504.html.gz"
        ]
    );
    for page in ["502.html", "about/team.html", "errors/504.html"] {
        let gz = fs::read(t.path(&format!("pages/{page}.gz"))).unwrap();
        assert_eq!(&gz[..10], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3], "{page}");
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, fs::read(t.path(&format!("pages/{page}"))).unwrap());
        assert_eq!(mode(&t.path(&format!("pages/{page}.gz"))), 0o644);
    }
    // `gzip -d` (the reference tool) reads them too.
    let out = Command::new("gzip")
        .args(["-dc", "pages/502.html.gz"])
        .current_dir(&t.dir)
        .output()
        .unwrap();
    assert_eq!(out.stdout, t.read("pages/502.html").as_bytes());
    let before = fs::metadata(t.path("pages/502.html.gz")).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let r = t.ok();
    assert!(r.stderr.contains("0 changed, 6 unchanged"), "{}", r.stderr);
    let after = fs::metadata(t.path("pages/502.html.gz")).unwrap();
    assert_eq!(
        (before.ino(), before.modified().unwrap()),
        (after.ino(), after.modified().unwrap())
    );
    // A page where a copy must go is refused before anything is written.
    site("gzip-clash")
        .env("DOWNPAGE_GZIP", "1")
        .env("DOWNPAGE_PAGES", "a.html=page.html,a.html.gz=page.html")
        .fails(&[
            "DOWNPAGE_PAGES entry 2 writes a.html.gz",
            "gzip copy of a.html",
        ]);
}

#[test]
fn index_lists_every_file_with_size_and_sha256() {
    let t = site("index")
        .env("DOWNPAGE_INDEX", "true")
        .env("DOWNPAGE_GZIP", "true")
        .env("DOWNPAGE_TARBALL", "p.tgz")
        .env("DOWNPAGE_OUTPUT_DIR", "pages");
    t.ok();
    let index: serde_json::Value = serde_json::from_str(&t.read("pages/downpage.json")).unwrap();
    let files = index["files"].as_array().unwrap();
    let paths: Vec<&str> = files.iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(
        paths,
        [
            "502.html",
            "502.html.gz",
            "about/team.html",
            "about/team.html.gz",
            "errors/504.html",
            "errors/504.html.gz"
        ]
    );
    for f in files {
        let path = t.path(&format!("pages/{}", f["path"].as_str().unwrap()));
        assert_eq!(f["size"], fs::metadata(&path).unwrap().len());
        assert_eq!(f["sha256"], sha256sum(&path), "{}", path.display());
    }
    // The same index is in the tarball, with everything it lists.
    let (order, listing) = list(&fs::read(t.path("p.tgz")).unwrap());
    assert!(order.contains(&"downpage.json".to_string()));
    assert_eq!(
        listing["downpage.json"].7,
        t.read("pages/downpage.json").as_bytes()
    );
    site("index-clash")
        .env("DOWNPAGE_INDEX", "true")
        .env("DOWNPAGE_PAGES", "downpage.json=page.html")
        .fails(&["entry 1 writes downpage.json", "DOWNPAGE_INDEX"]);
}

#[test]
fn nginx_snippet_maps_each_code_to_an_internal_location() {
    let t = site("nginx")
        .env("DOWNPAGE_NGINX_CONF", "conf/errors.conf")
        .env("DOWNPAGE_NGINX_ROOT", "/usr/share/nginx/errors");
    fs::create_dir(t.path("conf")).unwrap();
    let r = t.ok();
    assert!(
        r.stderr.contains("nginx snippet to conf/errors.conf"),
        "{}",
        r.stderr
    );
    let conf = t.read("conf/errors.conf");
    let body: Vec<&str> = conf.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
        body,
        [
            "error_page 502 /502.html;",
            "error_page 504 /errors/504.html;",
            "location = /502.html {",
            "    root \"/usr/share/nginx/errors\";",
            "    internal;",
            "}",
            "location = /errors/504.html {",
            "    root \"/usr/share/nginx/errors\";",
            "    internal;",
            "}",
        ]
    );
    assert!(conf.contains("proxy_intercept_errors on;"));
    assert_eq!(mode(&t.path("conf/errors.conf")), 0o644);
    let r = t.ok();
    assert!(r.stderr.contains("errors.conf (unchanged)"), "{}", r.stderr);
    // The default root is the output folder, made absolute; gzip adds gzip_static.
    let g = Test::new("nginx-default")
        .env("DOWNPAGE_NGINX_CONF", "e.conf")
        .env("DOWNPAGE_GZIP", "true")
        .env("DOWNPAGE_OUTPUT_DIR", "www/pages");
    g.ok();
    let conf = g.read("e.conf");
    let root = format!("    root \"{}\";", g.path("www/pages").display());
    assert!(conf.contains(&root), "{conf}");
    assert_eq!(conf.matches("    gzip_static on;\n").count(), 4, "{conf}");
}

#[test]
fn nginx_snippet_refuses_what_nginx_would_misread() {
    let t = site("nginx-odd")
        .env(
            "DOWNPAGE_PAGES",
            "502.html=page.html,my errors/503.html=page.html",
        )
        .env("DOWNPAGE_NGINX_CONF", "e.conf");
    t.fails(&[
        "page my errors/503.html (status 503)",
        "not safe in nginx config",
    ]);
    assert!(!t.path("e.conf").exists() && t.files("pages").is_empty());
    site("nginx-root")
        .env("DOWNPAGE_NGINX_CONF", "e.conf")
        .env("DOWNPAGE_NGINX_ROOT", "/srv/$host")
        .fails(&["DOWNPAGE_NGINX_ROOT \"/srv/$host\" contains '$'"]);
    site("nginx-rel")
        .env("DOWNPAGE_NGINX_CONF", "e.conf")
        .env("DOWNPAGE_NGINX_ROOT", "pages")
        .fails(&["DOWNPAGE_NGINX_ROOT \"pages\" is not an absolute path"]);
    site("nginx-tar")
        .env("DOWNPAGE_NGINX_CONF", "e.conf")
        .env("DOWNPAGE_TARBALL", "-")
        .fails(&["DOWNPAGE_NGINX_CONF needs DOWNPAGE_NGINX_ROOT"]);
}

#[test]
fn ingress_nginx_layout_has_code_pages_json_and_fallbacks() {
    let t = Test::new("ingress")
        .env("DOWNPAGE_LAYOUT", "ingress-nginx")
        .env("DOWNPAGE_CODES", "404,503");
    t.ok();
    assert_eq!(
        t.files("pages"),
        [
            "404.html", "404.json", "4xx.html", "4xx.json", "503.html", "503.json", "5xx.html",
            "5xx.json"
        ]
    );
    let json: serde_json::Value = serde_json::from_str(&t.read("pages/503.json")).unwrap();
    assert_eq!(json["status"], 503);
    assert_eq!(json["title"], "Service Unavailable");
    let fallback: serde_json::Value = serde_json::from_str(&t.read("pages/5xx.json")).unwrap();
    assert_eq!(fallback["status"], serde_json::Value::Null);
    assert_eq!(fallback["title"], "Server Error");
    let html = t.read("pages/4xx.html");
    assert!(html.contains("<h1>Request Error</h1>"), "{html}");
    assert!(
        !html.contains("Error 4"),
        "a fallback names no single code: {html}"
    );
    // A site's own downpage/5xx.html wins, like downpage/<code>.html.
    let own = Test::new("ingress-own")
        .file("t/downpage/5xx.html", "own {{ title }}")
        .env("DOWNPAGE_TEMPLATE_DIR", "t")
        .env("DOWNPAGE_LAYOUT", "ingress-nginx");
    own.ok();
    assert_eq!(own.read("pages/5xx.html"), "own Server Error");
}

/// With `DOWNPAGE_LANGS` the layout is in every language folder, and at the top in the
/// first language, which is all the stock error backend reads; the layout alone writes no
/// server (that is `DOWNPAGE_TARGETS=ingress-nginx`).
#[test]
fn ingress_nginx_layout_with_languages_keeps_the_first_at_the_top() {
    let t = Test::new("ingress-langs")
        .env("DOWNPAGE_LAYOUT", "ingress-nginx")
        .env("DOWNPAGE_LANGS", "fr,de")
        .env("DOWNPAGE_CODES", "503");
    t.ok();
    let mut want = Vec::new();
    for folder in ["", "de/", "fr/"] {
        for stem in ["4xx", "503", "5xx"] {
            for ext in ["html", "json"] {
                want.push(format!("{folder}{stem}.{ext}"));
            }
        }
    }
    want.sort();
    assert_eq!(t.files("pages"), want);
    assert_eq!(t.read("pages/503.json"), t.read("pages/fr/503.json"));
    let de: serde_json::Value = serde_json::from_str(&t.read("pages/de/5xx.json")).unwrap();
    let fr: serde_json::Value = serde_json::from_str(&t.read("pages/5xx.json")).unwrap();
    assert_ne!(de["title"], fr["title"]);
    assert!(t.read("pages/4xx.html").contains("lang=\"fr\""));
}

#[test]
fn check_mode_writes_no_tarball_no_snippet() {
    let t = Test::new("check-delivery")
        .env("DOWNPAGE_TARBALL", "p.tgz")
        .env("DOWNPAGE_NGINX_CONF", "e.conf")
        .env("DOWNPAGE_OUTPUT_DIR", "out")
        .arg("check");
    let r = t.ok();
    assert!(
        r.stderr
            .contains("would be written to out and tarball p.tgz"),
        "{}",
        r.stderr
    );
    assert!(t.files("").is_empty());
}

#[test]
fn a_snippet_that_cannot_be_written_replaces_no_page() {
    let good = site("snippet-fail");
    good.ok();
    let page = good.read("pages/502.html");
    let bad = good
        .file("templates/page.html", "<h1>changed</h1>")
        .env("DOWNPAGE_NGINX_CONF", "no/such/errors.conf");
    bad.fails(&[
        "writing DOWNPAGE_NGINX_CONF no/such/errors.conf",
        "its folder does not exist",
    ]);
    assert_eq!(bad.read("pages/502.html"), page);
    assert_eq!(bad.files("pages").len(), 3, "and no temporary file");
}

#[test]
fn the_json_body_template_is_usable_from_the_page_list() {
    let t = Test::new("json-body").env(
        "DOWNPAGE_PAGES",
        r#"[["api/502.json", "downpage/error.json"], ["api/down.json", "downpage/error.json", {"code": 503}]]"#,
    );
    t.ok();
    let json: serde_json::Value = serde_json::from_str(&t.read("pages/api/502.json")).unwrap();
    assert_eq!(json["status"], 502);
    assert_eq!(json["title"], "Bad Gateway");
    let json: serde_json::Value = serde_json::from_str(&t.read("pages/api/down.json")).unwrap();
    assert_eq!(json["status"], 503);
}

#[test]
fn long_names_survive_the_round_trip_through_gnu_tar() {
    let long = format!("{}/{}/502.html", "a".repeat(120), "b".repeat(120));
    let t = site("long-names")
        .env(
            "DOWNPAGE_PAGES",
            &format!("{long}=page.html,short.html=page.html"),
        )
        .env("DOWNPAGE_TARBALL", "p.tgz");
    t.ok();
    let (order, listing) = list(&fs::read(t.path("p.tgz")).unwrap());
    let dir1 = format!("{}/", "a".repeat(120));
    let dir2 = format!("{dir1}{}/", "b".repeat(120));
    assert_eq!(
        order,
        [dir1.as_str(), dir2.as_str(), long.as_str(), "short.html"]
    );
    assert!(listing[&long].7.starts_with(b"<h1>502 aaa"));
    fs::create_dir(t.path("x")).unwrap();
    let out = Command::new("tar")
        .args(["-xzf", "../p.tgz"])
        .current_dir(t.path("x"))
        .output()
        .unwrap();
    assert!(out.status.success() && out.stderr.is_empty(), "{out:?}");
    assert_eq!(
        fs::read(t.path(&format!("x/{long}"))).unwrap(),
        listing[&long].7
    );
    assert_eq!(mode(&t.path(&format!("x/{dir2}"))), 0o755);
}

#[test]
fn stdout_closed_or_dev_null_is_an_error_not_a_lost_archive() {
    let t = Test::new("dev-null").env("DOWNPAGE_TARBALL", "-");
    // Closed: the Rust runtime puts /dev/null there before main.
    let closed = Command::new("/bin/sh")
        .args(["-c", "exec \"$0\" >&-", env!("CARGO_BIN_EXE_downpage")])
        .current_dir(&t.dir)
        .env_clear()
        .env("DOWNPAGE_TARBALL", "-")
        .output()
        .unwrap();
    let null = t.command().stdout(Stdio::null()).output().unwrap();
    for out in [closed, null] {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.starts_with(
                "downpage: error: DOWNPAGE_TARBALL=- but stdout is closed or /dev/null"
            ),
            "{stderr}"
        );
        snapshot_error(&t.dir, &stderr);
    }
}

#[test]
fn a_tarball_is_streamed_and_a_late_failure_leaves_no_complete_archive() {
    // Enough incompressible pages that the archive goes out before the last page fails.
    let mut seed: u64 = 1;
    let mut entries = Vec::new();
    for i in 0..3000 {
        let noise: String = (0..48)
            .map(|_| {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                char::from_digit((seed >> 60) as u32, 16).unwrap()
            })
            .collect();
        entries.push(format!(
            r#"{{"dest": "p{i:04}.html", "template": "page.html", "context": {{"noise": "{noise}"}}}}"#
        ));
    }
    entries.push(r#"{"dest": "zz.html", "template": "bad.html"}"#.to_string());
    let site = |name: &str, tarball: &str| {
        Test::new(name)
            .file("templates/page.html", "<p>{{ noise }}</p>\n")
            .file("templates/bad.html", "{{ nope }}\n")
            .file("pages.json", &format!("[{}]", entries.join(",\n")))
            .env("DOWNPAGE_TEMPLATE_DIR", "templates")
            .env("DOWNPAGE_PAGES_FILE", "pages.json")
            .env("DOWNPAGE_TARBALL", tarball)
    };
    let t = site("stream-stdout", "-");
    let out = t.command().output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("page zz.html"), "{stderr}");
    snapshot_error(&t.dir, &stderr);
    assert!(
        !out.stdout.is_empty(),
        "the archive is streamed as pages come"
    );
    let mut tar = Vec::new();
    let read = flate2::read::GzDecoder::new(&out.stdout[..]).read_to_end(&mut tar);
    assert!(
        read.is_err(),
        "a failed run's stdout is no complete gzip stream"
    );
    let t = site("stream-file", "p.tar.gz");
    t.fails(&["page zz.html"]);
    assert_eq!(
        t.files(""),
        ["pages.json", "templates/bad.html", "templates/page.html"],
        "no archive, no temporary file"
    );
}
