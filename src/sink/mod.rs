//! Where rendered pages go. A sink stages every page first and makes them visible only in
//! `commit`, so a failed run replaces nothing; dropping a sink without committing removes
//! what it staged. Several sinks can take the same pages at once ([`Fanout`]), and
//! [`Derived`] adds the files made from the pages (`.gz` copies, the index).

pub mod atomic;
pub mod dir;
pub mod file;
pub mod owned;
pub mod ready;
pub mod tar;
pub mod targets;

use anyhow::Result;

use crate::{gzip, index};

/// What a committed sink did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Pages whose bytes changed (or were new).
    pub written: usize,
    /// Pages left alone because their bytes were already there.
    pub unchanged: usize,
    /// Bytes of all pages.
    pub bytes: u64,
    /// The tarball's size, and whether it changed.
    pub archive: Option<(u64, file::Written)>,
    /// Whether the nginx snippet changed (written after the sinks, by `build`).
    pub snippet: Option<file::Written>,
    /// Pages removed because they are no longer configured (tracked folder sinks only).
    pub removed: Vec<String>,
}

impl Summary {
    fn merge(self, other: Summary) -> Summary {
        Summary {
            written: self.written + other.written,
            unchanged: self.unchanged + other.unchanged,
            bytes: self.bytes + other.bytes,
            archive: self.archive.or(other.archive),
            snippet: self.snippet.or(other.snippet),
            removed: [self.removed, other.removed].concat(),
        }
    }
}

/// A destination for rendered pages.
pub trait Sink {
    /// Stages one page; nothing is visible yet.
    fn stage(&mut self, dest: &str, bytes: &[u8]) -> Result<()>;
    /// Tells that no page staged from now on sorts before `bound` (byte order of paths), so
    /// a sink that writes in path order (the tarball) can write what it holds up to there.
    /// Never called when pages come unsorted: such a sink then holds them all until
    /// `prepare`.
    fn settle(&mut self, _bound: &str) -> Result<()> {
        Ok(())
    }
    /// Does what is left that can fail (writing an archive), with nothing visible yet;
    /// called on every sink before any commits.
    fn prepare(&mut self) -> Result<()> {
        Ok(())
    }
    /// Makes every staged page visible.
    fn commit(self: Box<Self>) -> Result<Summary>;
}

/// Counts pages and writes nothing: `downpage check`.
#[derive(Debug, Default)]
pub struct Discard {
    summary: Summary,
}

impl Sink for Discard {
    fn stage(&mut self, _dest: &str, bytes: &[u8]) -> Result<()> {
        self.summary.written += 1;
        self.summary.bytes += bytes.len() as u64;
        Ok(())
    }

    fn commit(self: Box<Self>) -> Result<Summary> {
        Ok(self.summary)
    }
}

/// Gives every page to several sinks. At commit, every sink prepares first (a full disk
/// fails there, before anything is replaced), then each commits (renames) in order.
#[derive(Default)]
pub struct Fanout {
    sinks: Vec<Box<dyn Sink>>,
}

impl Fanout {
    pub fn push(&mut self, sink: Box<dyn Sink>) {
        self.sinks.push(sink);
    }
}

impl Sink for Fanout {
    fn stage(&mut self, dest: &str, bytes: &[u8]) -> Result<()> {
        for sink in &mut self.sinks {
            sink.stage(dest, bytes)?;
        }
        Ok(())
    }

    fn settle(&mut self, bound: &str) -> Result<()> {
        for sink in &mut self.sinks {
            sink.settle(bound)?;
        }
        Ok(())
    }

    fn prepare(&mut self) -> Result<()> {
        for sink in &mut self.sinks {
            sink.prepare()?;
        }
        Ok(())
    }

    fn commit(mut self: Box<Self>) -> Result<Summary> {
        self.prepare()?;
        let mut summary = Summary::default();
        for sink in self.sinks {
            summary = summary.merge(sink.commit()?);
        }
        Ok(summary)
    }
}

/// Adds the files derived from the pages to what goes into `inner`: a `.gz` copy beside each
/// page (`DOWNPAGE_GZIP`) and, at commit, the index of every file (`DOWNPAGE_INDEX`).
pub struct Derived {
    inner: Box<dyn Sink>,
    gzip: bool,
    /// Path, size and SHA-256 of every file staged, for the index; `None` without an index.
    files: Option<Vec<index::Entry>>,
}

impl Derived {
    pub fn new(inner: Box<dyn Sink>, gzip: bool, index: bool) -> Derived {
        Derived {
            inner,
            gzip,
            files: index.then(Vec::new),
        }
    }

    /// Stages a file without a `.gz` copy (a target's configuration file); the index
    /// lists it.
    pub fn stage_plain(&mut self, dest: &str, bytes: &[u8]) -> Result<()> {
        self.add(dest, bytes)
    }

    fn add(&mut self, dest: &str, bytes: &[u8]) -> Result<()> {
        self.inner.stage(dest, bytes)?;
        if let Some(files) = &mut self.files {
            files.push(index::Entry::of(dest, bytes));
        }
        Ok(())
    }
}

impl Sink for Derived {
    fn stage(&mut self, dest: &str, bytes: &[u8]) -> Result<()> {
        self.add(dest, bytes)?;
        if self.gzip {
            self.add(&format!("{dest}.gz"), &gzip::compress(bytes))?;
        }
        Ok(())
    }

    /// `.gz` copies sort after their page; the index comes last, wherever it sorts.
    fn settle(&mut self, bound: &str) -> Result<()> {
        let bound = if self.files.is_some() {
            bound.min(index::INDEX_NAME)
        } else {
            bound
        };
        self.inner.settle(bound)
    }

    fn commit(mut self: Box<Self>) -> Result<Summary> {
        if let Some(files) = self.files.take() {
            let text = index::render(files);
            self.inner.stage(index::INDEX_NAME, &text)?;
        }
        self.inner.commit()
    }
}
