//! A tiny harness: a scratch folder, files in it, a cleared environment, the real binary.
#![allow(dead_code)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

#[derive(Clone)]
pub struct Test {
    pub dir: PathBuf,
    env: Vec<(String, String)>,
    args: Vec<String>,
    umask: Option<&'static str>,
    run_as_nobody: bool,
}

pub struct Run {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Test {
    pub fn new(name: &str) -> Test {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("{name}-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        Test {
            dir,
            env: Vec::new(),
            args: Vec::new(),
            umask: None,
            run_as_nobody: false,
        }
    }

    pub fn file(self, rel: &str, text: &str) -> Test {
        let path = self.dir.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
        self
    }

    pub fn env(mut self, k: &str, v: &str) -> Test {
        self.env.retain(|(name, _)| name != k);
        self.env.push((k.into(), v.into()));
        self
    }

    pub fn unset(mut self, k: &str) -> Test {
        self.env.retain(|(name, _)| name != k);
        self
    }

    pub fn arg(mut self, a: &str) -> Test {
        self.args.push(a.into());
        self
    }

    pub fn umask(mut self, mask: &'static str) -> Test {
        self.umask = Some(mask);
        self
    }

    /// Runs as uid/gid 65534 (when the tests run as root), so permissions apply.
    pub fn run_as_nobody(mut self) -> Test {
        self.run_as_nobody = true;
        self
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    pub fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("reading {rel}: {e}"))
    }

    pub fn command(&self) -> Command {
        let bin = env!("CARGO_BIN_EXE_downpage");
        let mut script = String::new();
        if let Some(mask) = self.umask {
            script.push_str(&format!("umask {mask}; "));
        }
        script.push_str("exec \"$0\" \"$@\"");
        let mut cmd = if self.run_as_nobody && is_root() {
            let mut c = Command::new("/usr/bin/setpriv");
            c.args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "/bin/sh",
                "-c",
                &script,
                bin,
            ]);
            c
        } else {
            let mut c = Command::new("/bin/sh");
            c.args(["-c", &script, bin]);
            c
        };
        cmd.args(&self.args)
            .current_dir(&self.dir)
            .env_clear()
            .envs(self.env.iter().cloned());
        cmd.stdin(Stdio::null());
        cmd
    }

    pub fn run(&self) -> Run {
        let Output {
            status,
            stdout,
            stderr,
        } = self.command().output().unwrap();
        Run {
            status: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        }
    }

    /// Runs and expects success.
    pub fn ok(&self) -> Run {
        let r = self.run();
        assert_eq!(r.status, 0, "expected success, stderr: {}", r.stderr);
        r
    }

    /// Runs and expects failure with one line on stderr containing every `needle`.
    pub fn fails(&self, needles: &[&str]) -> Run {
        let r = self.run();
        assert_ne!(r.status, 0, "expected failure, stderr: {}", r.stderr);
        assert!(
            r.stderr.starts_with("downpage: error: "),
            "stderr: {}",
            r.stderr
        );
        assert_eq!(
            r.stderr.trim_end().lines().count(),
            1,
            "error must be one line: {}",
            r.stderr
        );
        for n in needles {
            assert!(r.stderr.contains(n), "stderr lacks {n:?}: {}", r.stderr);
        }
        snapshot_error(&self.dir, &r.stderr);
        r
    }

    /// Every file under `rel`, relative, sorted; fails on any leftover temporary file.
    pub fn files(&self, rel: &str) -> Vec<String> {
        let mut out = Vec::new();
        walk(&self.path(rel), "", &mut out);
        out.sort();
        for f in &out {
            assert!(!f.contains(".downpage-tmp-"), "stray temporary file {f}");
        }
        out
    }
}

fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = format!("{prefix}{}", e.file_name().to_string_lossy());
        if e.file_type().unwrap().is_dir() {
            walk(&e.path(), &format!("{name}/"), out);
        } else {
            out.push(name);
        }
    }
}

/// Snapshots an error message people read (`tests/snapshots/errors/<test>-<n>.snap`, n
/// counting the failures one test expects), with the scratch folder written `[DIR]`. A changed
/// message fails until the new text is reviewed: `INSTA_UPDATE=always cargo test --test
/// integration`, then `git diff tests/snapshots`.
pub fn snapshot_error(dir: &Path, stderr: &str) {
    static SEEN: Mutex<Vec<(String, usize)>> = Mutex::new(Vec::new());
    let thread = std::thread::current();
    let test = thread
        .name()
        .filter(|name| *name != "main")
        .expect(
            "error snapshots are named after the test's thread: run with a test thread per test",
        )
        .replace("::", "__");
    let n = {
        let mut seen = SEEN.lock().unwrap();
        if let Some((_, n)) = seen.iter_mut().find(|(name, _)| *name == test) {
            *n += 1;
            *n
        } else {
            seen.push((test.clone(), 1));
            1
        }
    };
    let text = stderr.replace(dir.to_str().unwrap(), "[DIR]");
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/snapshots/errors"
    ));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(format!("{test}-{n}"), text));
}

pub fn is_root() -> bool {
    fs::metadata("/proc/self").is_ok_and(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
}

pub fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}
