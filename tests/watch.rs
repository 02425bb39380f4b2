//! Watch mode end to end: the real binary runs in the background (`DOWNPAGE_WATCH=true`, a
//! 100 ms interval) while the tests change its inputs, read its pages, probe it with
//! `downpage health` and stop it with signals. Every wait is bounded; a child still running
//! when a test fails is killed by its guard.

use std::fs;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::support::Test;
use serde_json::Value;

/// Longest any single wait may take before the test fails (generous: shared CI machines).
const PATIENCE: Duration = Duration::from_secs(60);

/// Polls `done` every 10 ms until it holds; panics with `what` and the log after [`PATIENCE`].
fn wait_until(what: &str, log: &Log, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; log so far:\n{}",
            log.text()
        );
        thread::sleep(Duration::from_millis(10));
    }
}

/// The child's stderr, collected line by line by a thread.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
    fn text(&self) -> String {
        self.lines().join("\n")
    }
    fn count(&self, needle: &str) -> usize {
        self.lines().iter().filter(|l| l.contains(needle)).count()
    }
}

/// A running `downpage` in watch mode; killed when dropped.
struct Watcher {
    child: Child,
    log: Log,
    reader: Option<JoinHandle<()>>,
}

impl Watcher {
    fn start(t: &Test) -> Watcher {
        let mut cmd = t.command();
        cmd.stderr(Stdio::piped()).stdout(Stdio::null());
        let mut child = cmd.spawn().expect("spawning downpage");
        let log = Log::default();
        let stderr = child.stderr.take().unwrap();
        let sink = log.clone();
        let reader = thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                sink.0.lock().unwrap().push(line);
            }
        });
        Watcher {
            child,
            log,
            reader: Some(reader),
        }
    }

    /// Waits until the log has `n` lines containing `needle`.
    fn wait_log(&self, needle: &str, n: usize) {
        let log = self.log.clone();
        wait_until(&format!("{n} log lines with {needle:?}"), &self.log, || {
            log.count(needle) >= n
        });
    }

    fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    fn signal(&self, signal: &str) {
        let status = std::process::Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -{signal} failed");
    }

    /// Waits (bounded) for the process to end; the log is complete afterwards.
    fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                if let Some(reader) = self.reader.take() {
                    reader.join().unwrap();
                }
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "downpage did not exit; log:\n{}",
                self.log.text()
            );
            thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A test folder set up for watch mode with a fast interval.
fn watching(name: &str) -> Test {
    Test::new(name)
        .env("DOWNPAGE_WATCH", "true")
        .env("DOWNPAGE_WATCH_INTERVAL", "100ms")
        .env("DOWNPAGE_OUTPUT_DIR", "out")
}

/// Writes a file atomically (a hidden temporary file + rename), as deploy tools do.
fn put(path: &Path, text: &str) {
    let name = path.file_name().unwrap().to_str().unwrap();
    let temp = path.with_file_name(format!(".{name}.edit"));
    fs::write(&temp, text).unwrap();
    fs::rename(&temp, path).unwrap();
}

/// Runs `downpage health` in the test folder with the test's environment.
fn health(t: &Test) -> (bool, String) {
    let out = t
        .command()
        .arg("health")
        .env_remove("DOWNPAGE_WATCH")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap().flatten() {
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                out.push((e.path(), fs::read(e.path()).unwrap()));
            }
        }
    }
    out.sort();
    out
}

// ---------------------------------------------------------------------------------------
// Many changes, a reader that never sees anything but whole pages.

/// Filler whose length depends on the version, so a truncated page cannot pass for another.
fn pad(page: &str, version: usize) -> String {
    let len = 500 + (version * 7919 + page.len() * 31) % 6000;
    "0123456789abcdef".repeat(len / 16 + 1)[..len].to_string()
}

/// The exact bytes page `name` must have at `version`.
fn expected(name: &str, version: usize) -> String {
    format!(
        "<!doctype html><title>v{version}</title><p>{name} v{version}</p>{}<footer>v{version}</footer>\n",
        pad(name, version)
    )
}

/// The ConfigMap-mounted templates at `version`: a layout and two pages extending it.
fn configmap_files(version: usize) -> Vec<(&'static str, String)> {
    let mut files = vec![(
        "base.html",
        format!(
            "<!doctype html><title>v{version}</title>{{% block body %}}{{% endblock %}}<footer>v{version}</footer>\n"
        ),
    )];
    for name in ["a", "b"] {
        files.push((
            if name == "a" { "a.html" } else { "b.html" },
            format!(
                "{{% extends \"base.html\" %}}{{% block body %}}<p>{name} v{version}</p>{}{{% endblock %}}",
                pad(name, version)
            ),
        ));
    }
    files
}

/// The template of page c, in a plain folder, at `version`.
fn plain_c(version: usize) -> String {
    expected("c", version).replace('\n', "") + "\n"
}

/// A ConfigMap volume as the kubelet lays it out: `..<timestamp>/` holds the files,
/// `..data` links to it, and each key is a top-level link `key -> ..data/key`.
struct ConfigMap {
    dir: PathBuf,
    current: Option<String>,
}

impl ConfigMap {
    fn new(dir: PathBuf, version: usize) -> ConfigMap {
        fs::create_dir_all(&dir).unwrap();
        let mut cm = ConfigMap { dir, current: None };
        cm.swap(version);
        for (key, _) in configmap_files(version) {
            symlink(format!("..data/{key}"), cm.dir.join(key)).unwrap();
        }
        cm
    }

    /// The kubelet's update: write a new timestamped folder, point `..data_tmp` at it,
    /// rename it over `..data` (atomic), then delete the old folder.
    fn swap(&mut self, version: usize) {
        let stamp = format!("..2026_11_25_08_00_00.{version:06}");
        let dir = self.dir.join(&stamp);
        fs::create_dir(&dir).unwrap();
        for (key, text) in configmap_files(version) {
            fs::write(dir.join(key), text).unwrap();
        }
        let tmp = self.dir.join("..data_tmp");
        symlink(&stamp, &tmp).unwrap();
        fs::rename(&tmp, self.dir.join("..data")).unwrap();
        if let Some(old) = self.current.replace(stamp) {
            fs::remove_dir_all(self.dir.join(old)).unwrap();
        }
    }
}

/// What one read of a page showed, checked against the exact bytes of its version.
fn check_read(name: &str, read: std::io::Result<Vec<u8>>) -> Result<usize, String> {
    let bytes = read.map_err(|e| format!("{name}: read failed: {e}"))?;
    if bytes.is_empty() {
        return Err(format!("{name}: empty"));
    }
    let text = String::from_utf8(bytes).map_err(|_| format!("{name}: not UTF-8"))?;
    let version: usize = text
        .strip_prefix("<!doctype html><title>v")
        .and_then(|rest| rest.split('<').next())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("{name}: no version in {:?}", &text[..text.len().min(80)]))?;
    if text != expected(name, version) {
        return Err(format!(
            "{name}: {} bytes do not match version {version} ({} bytes expected): truncated or mixed",
            text.len(),
            expected(name, version).len()
        ));
    }
    Ok(version)
}

#[test]
fn pages_stay_whole_through_many_changes_and_configmap_swaps() {
    const CHANGES: usize = 105;
    let t = watching("churn")
        .env("DOWNPAGE_TEMPLATE_DIR", "cm:plain")
        .env(
            "DOWNPAGE_PAGES",
            "a.html=a.html,b.html=b.html,c.html=c.html",
        )
        .env("DOWNPAGE_READY_FILE", "ready.json")
        .file("plain/c.html", &plain_c(0));
    let mut cm = ConfigMap::new(t.path("cm"), 0);
    let mut w = Watcher::start(&t);
    wait_until("the first render", &w.log, || t.path("ready.json").exists());

    let out = t.path("out");
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let stop = stop.clone();
        thread::spawn(move || {
            let mut reads = 0usize;
            let mut failures = Vec::new();
            let mut latest = [0usize; 3];
            let deadline = Instant::now() + PATIENCE * 5;
            while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
                for (i, name) in ["a", "b", "c"].iter().enumerate() {
                    match check_read(name, fs::read(out.join(format!("{name}.html")))) {
                        Ok(v) if v < latest[i] => {
                            failures.push(format!("{name}: version {v} after {}", latest[i]));
                        }
                        Ok(v) => latest[i] = v,
                        Err(e) => failures.push(e),
                    }
                    reads += 1;
                }
                if failures.len() > 20 {
                    break;
                }
            }
            (reads, failures)
        })
    };

    for version in 1..=CHANGES {
        let page = if version % 3 == 0 {
            put(&t.path("plain/c.html"), &plain_c(version));
            "c"
        } else {
            cm.swap(version);
            "a"
        };
        let path = t.path(&format!("out/{page}.html"));
        wait_until(&format!("page {page} at version {version}"), &w.log, || {
            fs::read(&path).is_ok_and(|b| b == expected(page, version).as_bytes())
        });
    }
    stop.store(true, Ordering::Relaxed);
    let (reads, failures) = reader.join().unwrap();

    assert!(failures.is_empty(), "bad reads: {failures:#?}");
    assert!(reads > 3 * CHANGES, "only {reads} reads");
    assert_eq!(
        fs::read_to_string(t.path("out/b.html")).unwrap(),
        expected("b", CHANGES - 1),
        "b follows the ConfigMap"
    );
    assert!(w.alive());
    w.signal("TERM");
    assert!(w.wait_exit().success());
    let log = w.log.text();
    assert!(w.log.count("changed: wrote") >= CHANGES, "{log}");
    assert_eq!(w.log.count("error"), 0, "{log}");
    assert!(
        log.contains("cm/a.html, cm/b.html, cm/base.html changed"),
        "{log}"
    );
    t.files("out");
}

// ---------------------------------------------------------------------------------------
// Failures keep the last good pages; health follows.

const LAYOUT: &str = "<!doctype html><main>{% block body %}{% endblock %}</main>\n";

#[test]
fn broken_template_keeps_last_good_pages_and_a_fix_is_picked_up() {
    let t = watching("broken")
        .env("DOWNPAGE_TEMPLATE_DIR", "templates")
        .env("DOWNPAGE_PAGES", "p.html=p.html,errors/q.html=p.html")
        .env("DOWNPAGE_CODES", "502")
        .env("DOWNPAGE_READY_FILE", "state/ready.json")
        .file("templates/base.html", LAYOUT)
        .file(
            "templates/p.html",
            "{% extends \"base.html\" %}{% block body %}good one{% endblock %}",
        )
        // A ready file left by an earlier process must not vouch for this one.
        .file(
            "state/ready.json",
            r#"{"ok":true,"pid":1,"renders":9,"failures":0,"last_attempt":1,"last_success":1,"pages":3,"error":null}"#,
        );
    let (ok, text) = health(&t);
    assert!(ok, "a well-formed ok state is healthy: {text}");
    let mut w = Watcher::start(&t);
    w.wait_log("wrote 3 pages", 1);
    let state: Value = serde_json::from_str(&t.read("state/ready.json")).unwrap();
    assert_eq!(
        state["pid"],
        w.child.id(),
        "rewritten by this process: {state}"
    );
    assert_eq!(
        (state["ok"].clone(), state["renders"].clone()),
        (true.into(), 1.into())
    );
    let (ok, text) = health(&t);
    assert!(ok, "{text}");
    assert!(text.starts_with("downpage: healthy: 3 pages"), "{text}");
    let good = snapshot(&t.path("out"));

    put(
        &t.path("templates/p.html"),
        "{% extends \"base.html\" %}{% block body %}{{ oops( }}{% endblock %}",
    );
    w.wait_log("downpage: error: templates/p.html changed: ", 1);
    let line = w
        .log
        .lines()
        .into_iter()
        .find(|l| l.contains("error"))
        .unwrap();
    assert!(
        line.contains("p.html") && line.contains("line 1 column"),
        "cause named: {line}"
    );
    assert!(line.contains("the last good pages stay in place"), "{line}");
    assert_eq!(
        snapshot(&t.path("out")),
        good,
        "last good pages, byte for byte"
    );
    assert!(w.alive(), "still watching");
    let (ok, text) = health(&t);
    assert!(!ok, "unhealthy after a failed render");
    assert!(
        text.contains("downpage: error: unhealthy: the last render failed (")
            && text.contains("line 1 column"),
        "{text}"
    );
    let state: Value = serde_json::from_str(&t.read("state/ready.json")).unwrap();
    assert_eq!(
        (state["ok"].clone(), state["failures"].clone()),
        (false.into(), 1.into())
    );

    // A second, different breakage is reported too; the pages still do not move.
    fs::remove_file(t.path("templates/base.html")).unwrap();
    w.wait_log("downpage: error: ", 2);
    assert_eq!(snapshot(&t.path("out")), good);

    put(&t.path("templates/base.html"), LAYOUT);
    put(
        &t.path("templates/p.html"),
        "{% extends \"base.html\" %}{% block body %}fixed{% endblock %}",
    );
    let page = t.path("out/p.html");
    wait_until("the fix", &w.log, || {
        fs::read_to_string(&page).is_ok_and(|p| p.contains("fixed"))
    });
    w.wait_log("wrote 3 pages (2 changed, 1 unchanged", 1);
    let (ok, text) = health(&t);
    assert!(ok, "{text}");
    assert_eq!(
        t.read("out/errors/q.html"),
        "<!doctype html><main>fixed</main>\n"
    );
    w.signal("TERM");
    assert!(w.wait_exit().success());
    t.files(".");
}

#[test]
fn first_render_failing_leaves_no_ready_file_and_keeps_watching() {
    let t = watching("first-fails")
        .env("DOWNPAGE_TEMPLATE_DIR", "templates")
        .env("DOWNPAGE_PAGES", "p.html=p.html")
        .env("DOWNPAGE_READY_FILE", "ready.json")
        .file("templates/p.html", "{{ broken")
        .file("ready.json", r#"{"ok":true}"#);
    let mut w = Watcher::start(&t);
    w.wait_log("downpage: error: ", 1);
    assert!(
        w.log.text().contains("nothing was written"),
        "{}",
        w.log.text()
    );
    assert!(
        !t.path("ready.json").exists(),
        "a stale ready file is removed"
    );
    assert!(w.alive());
    let (ok, text) = health(&t);
    assert!(!ok);
    assert!(
        text.contains("not ready: ready.json does not exist"),
        "{text}"
    );
    put(&t.path("templates/p.html"), "ok");
    wait_until("the ready file", &w.log, || t.path("ready.json").exists());
    assert!(health(&t).0);
    assert_eq!(t.read("out/p.html"), "ok");
    w.signal("INT");
    assert!(w.wait_exit().success());
}

#[test]
fn health_without_ready_file_says_what_to_set() {
    let t = Test::new("health-unset").arg("health");
    t.fails(&["downpage health reads DOWNPAGE_READY_FILE, which is not set"]);
    let t = Test::new("health-junk")
        .arg("health")
        .env("DOWNPAGE_READY_FILE", "ready")
        .file("ready", "ok\n");
    t.fails(&["the ready file ready is not downpage's state"]);
}

#[test]
fn one_shot_run_writes_the_ready_file_too() {
    let t = Test::new("one-shot-ready").env("DOWNPAGE_READY_FILE", "ready.json");
    t.ok();
    let state: Value = serde_json::from_str(&t.read("ready.json")).unwrap();
    assert_eq!(
        (state["ok"].clone(), state["pages"].clone()),
        (true.into(), 4.into())
    );
    assert!(health(&t).0);
}

// ---------------------------------------------------------------------------------------
// Removing pages: only downpage's own, also after a restart.

#[test]
fn unconfigured_pages_are_removed_and_nothing_else() {
    let t = watching("cleanup")
        .env("DOWNPAGE_TEMPLATE_DIR", "templates")
        .env("DOWNPAGE_PAGES_FILE", "conf/pages.txt")
        .env("DOWNPAGE_LOG_FORMAT", "json")
        .file("templates/t.html", "page {{ dest }}\n")
        .file(
            "conf/pages.txt",
            "a.html=t.html\nb.html=t.html\nsub/c.html=t.html\nd.html=t.html\n",
        )
        .file("out/keep.html", "not downpage's\n")
        .file("outside.html", "page ../outside.html\n");
    let mut w = Watcher::start(&t);
    w.wait_log("\"event\":\"render\"", 1);
    assert_eq!(
        t.files("out"),
        [
            ".downpage-owned.json",
            "a.html",
            "b.html",
            "d.html",
            "keep.html",
            "sub/c.html"
        ]
    );

    // Dropping b.html from the list removes it.
    put(
        &t.path("conf/pages.txt"),
        "a.html=t.html\nsub/c.html=t.html\nd.html=t.html\n",
    );
    w.wait_log("\"event\":\"render\"", 2);
    assert!(!t.path("out/b.html").exists());
    // A page someone else has changed since is theirs now: dropping it leaves it.
    fs::write(t.path("out/d.html"), "edited by hand\n").unwrap();
    put(
        &t.path("conf/pages.txt"),
        "a.html=t.html\nsub/c.html=t.html\n",
    );
    w.wait_log("\"event\":\"render\"", 3);
    assert_eq!(t.read("out/d.html"), "edited by hand\n");
    w.signal("TERM");
    assert!(w.wait_exit().success());

    // Every log line is one JSON object.
    let lines = w.log.lines();
    let events: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(events[1]["removed"], serde_json::json!(["b.html"]));
    assert_eq!(events[1]["changed"], serde_json::json!(["conf/pages.txt"]));
    assert_eq!(events[2]["removed"], serde_json::json!([]));
    assert_eq!(events.last().unwrap()["event"], "stop");

    // While stopped: sub/c.html leaves the list, and the record is tampered with.
    put(&t.path("conf/pages.txt"), "a.html=t.html\n");
    let record = t.read("out/.downpage-owned.json");
    let mut record: Value = serde_json::from_str(&record).unwrap();
    record["pages"]["../outside.html"] =
        downpage::internal::sink::owned::hash(b"page ../outside.html\n").into();
    fs::write(t.path("out/.downpage-owned.json"), record.to_string()).unwrap();

    // The next process removes it: the record in the folder survives restarts.
    let mut w = Watcher::start(&t);
    w.wait_log("\"event\":\"render\"", 1);
    assert!(
        w.log.text().contains("\"removed\":[\"sub/c.html\"]"),
        "{}",
        w.log.text()
    );
    assert_eq!(
        t.files("out"),
        [".downpage-owned.json", "a.html", "d.html", "keep.html"]
    );
    assert_eq!(t.read("out/keep.html"), "not downpage's\n");
    assert!(t.path("outside.html").exists(), "never outside the folder");
    let record: Value = serde_json::from_str(&t.read("out/.downpage-owned.json")).unwrap();
    assert_eq!(
        record["pages"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["a.html"]
    );
    w.signal("TERM");
    assert!(w.wait_exit().success());
}

#[test]
fn derived_files_of_a_dropped_page_go_with_it() {
    let t = watching("derived")
        .env("DOWNPAGE_TEMPLATE_DIR", "templates")
        .env("DOWNPAGE_PAGES_FILE", "pages.txt")
        .env("DOWNPAGE_GZIP", "true")
        .env("DOWNPAGE_INDEX", "true")
        .file("templates/t.html", "page {{ dest }}\n")
        .file("pages.txt", "a.html=t.html\nb.html=t.html\n");
    let mut w = Watcher::start(&t);
    w.wait_log("wrote 2 pages", 1);
    assert_eq!(
        t.files("out"),
        [
            ".downpage-owned.json",
            "a.html",
            "a.html.gz",
            "b.html",
            "b.html.gz",
            "downpage.json"
        ]
    );
    put(&t.path("pages.txt"), "a.html=t.html\n");
    w.wait_log("pages.txt changed: ", 1);
    assert_eq!(
        t.files("out"),
        [
            ".downpage-owned.json",
            "a.html",
            "a.html.gz",
            "downpage.json"
        ]
    );
    assert!(!t.read("out/downpage.json").contains("b.html"));
    w.signal("TERM");
    assert!(w.wait_exit().success());
}

// ---------------------------------------------------------------------------------------
// Signals and logs.

#[test]
fn sigterm_and_sigint_exit_zero_leaving_no_temporary_files() {
    for signal in ["TERM", "INT"] {
        let t = watching(&format!("signal-{signal}")).env("DOWNPAGE_READY_FILE", "ready.json");
        let mut w = Watcher::start(&t);
        wait_until("the first render", &w.log, || t.path("ready.json").exists());
        w.signal(signal);
        let status = w.wait_exit();
        assert!(
            status.success(),
            "SIG{signal}: {status:?}\n{}",
            w.log.text()
        );
        assert!(
            w.log
                .text()
                .ends_with("downpage: stopping on a signal; the pages stay in place"),
            "{}",
            w.log.text()
        );
        assert_eq!(t.files("out").len(), 5, "4 pages and the record");
        t.files(".");
    }
}

#[test]
fn json_log_format_applies_to_one_shot_runs_and_errors() {
    let t = Test::new("json-one-shot").env("DOWNPAGE_LOG_FORMAT", "json");
    let r = t.ok();
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    let v: Value = serde_json::from_str(r.stderr.trim_end()).unwrap();
    assert_eq!(
        (v["level"].as_str(), v["event"].as_str()),
        (Some("info"), Some("render"))
    );
    assert_eq!(
        (v["pages"].as_u64(), v["written"].as_u64()),
        (Some(4), Some(4))
    );
    assert!(
        v["msg"]
            .as_str()
            .unwrap()
            .starts_with("wrote 4 pages (4 changed"),
        "{v}"
    );

    let t = Test::new("json-error")
        .env("DOWNPAGE_LOG_FORMAT", "json")
        .env("DOWNPAGE_CODES", "5o2");
    let r = t.run();
    assert_eq!(r.status, 1);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    let v: Value = serde_json::from_str(r.stderr.trim_end()).unwrap();
    assert_eq!(v["level"], "error");
    assert!(
        v["msg"]
            .as_str()
            .unwrap()
            .starts_with("DOWNPAGE_CODES item \"5o2\""),
        "{v}"
    );

    let t = Test::new("text-default");
    assert!(
        t.ok()
            .stderr
            .starts_with("downpage: wrote 4 pages (4 changed, 0 unchanged")
    );
}

#[test]
fn static_files_a_render_read_are_watched_too() {
    // A collectstatic-like root: the manifest and a hashed sheet inlined into the page.
    let t = watching("assets")
        .env("DOWNPAGE_TEMPLATE_DIR", "templates")
        .env("DOWNPAGE_STATIC_ROOT", "static")
        .env("DOWNPAGE_PAGES", "p.html=p.html")
        .file(
            "templates/p.html",
            "<style>{{ inline(path='site.css') }}</style>",
        )
        .file(
            "static/staticfiles.json",
            r#"{"paths": {"site.css": "site.1.css"}}"#,
        )
        .file("static/site.1.css", "body{color:red}");
    let w = Watcher::start(&t);
    w.wait_log("wrote 1 page", 1);
    assert_eq!(t.read("out/p.html"), "<style>body{color:red}</style>");

    // The sheet that was read changes in place.
    put(&t.path("static/site.1.css"), "body{color:green}");
    let page = t.path("out/p.html");
    wait_until("the page to follow the sheet", &w.log, || {
        fs::read_to_string(&page).is_ok_and(|p| p.contains("green"))
    });

    // A new build: a new hashed file and a new manifest pointing at it.
    put(&t.path("static/site.2.css"), "body{color:blue}");
    put(
        &t.path("static/staticfiles.json"),
        r#"{"paths": {"site.css": "site.2.css"}}"#,
    );
    wait_until("the page to follow the manifest", &w.log, || {
        fs::read_to_string(&page).is_ok_and(|p| p.contains("blue"))
    });
    w.wait_log("staticfiles.json changed: wrote 1 page", 1);
}

#[test]
fn django_templates_are_re_rendered_when_they_change() {
    let t = watching("watch-django")
        .file("templates/base.html", "[{% block c %}{% endblock %}]")
        .file(
            "templates/e.html",
            "{% extends \"base.html\" %}{% block c %}one {{ x }}{% endblock %}",
        )
        .env("DOWNPAGE_SYNTAX", "django")
        .env("DOWNPAGE_TEMPLATE_DIR", "templates")
        .env("DOWNPAGE_CONTEXT", r#"{"x": "<x>"}"#)
        .env("DOWNPAGE_PAGES", "e.html=e.html");
    let mut w = Watcher::start(&t);
    let page = t.path("out/e.html");
    wait_until("the first page", &w.log, || {
        fs::read_to_string(&page).is_ok_and(|p| p == "[one &lt;x&gt;]")
    });
    // The layout changes: the cached parse of the old run is not reused.
    put(
        &t.path("templates/base.html"),
        "({% block c %}{% endblock %})",
    );
    wait_until("the page from the new layout", &w.log, || {
        fs::read_to_string(&page).is_ok_and(|p| p == "(one &lt;x&gt;)")
    });
    w.signal("TERM");
    assert!(w.wait_exit().success(), "{}", w.log.text());
}

#[test]
fn a_changed_catalog_is_picked_up() {
    let po = |word: &str| {
        format!(
            "msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=UTF-8\\n\"\n\nmsgid \"Hello\"\nmsgstr \"{word}\"\n"
        )
    };
    let t = watching("catalog")
        .env("DOWNPAGE_SYNTAX", "django")
        .env("DOWNPAGE_TEMPLATE_DIR", "templates")
        .env("DOWNPAGE_LOCALE_DIR", "locale")
        .env("DOWNPAGE_LANG", "de")
        .env("DOWNPAGE_PAGES", "p.html=p.html")
        .file("templates/p.html", "{% trans \"Hello\" %}")
        .file("locale/de/LC_MESSAGES/django.po", &po("Hallo"));
    let w = Watcher::start(&t);
    w.wait_log("wrote 1 page", 1);
    assert_eq!(t.read("out/p.html"), "Hallo");
    put(&t.path("locale/de/LC_MESSAGES/django.po"), &po("Servus"));
    wait_until("the new translation", &w.log, || {
        fs::read_to_string(t.path("out/p.html")).is_ok_and(|s| s == "Servus")
    });
}
