//! SIGTERM and SIGINT for watch mode: instead of killing the process mid-write, a signal
//! writes a byte into a socket pair (signal-hook's self-pipe, no `unsafe` here), and the
//! watch loop sleeps by reading that socket with a timeout, so it wakes at once on a signal
//! and not at all otherwise. A write pass in progress finishes first (it takes
//! milliseconds), so no temporary file is left behind.

use std::io::{ErrorKind, Read};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use anyhow::{Context, Result};
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::low_level::pipe;

/// Receives stop signals once installed.
pub struct Stop {
    rx: UnixStream,
}

impl Stop {
    /// Routes SIGTERM and SIGINT to this `Stop` (for the rest of the process).
    pub fn install() -> Result<Stop> {
        let (rx, tx) = UnixStream::pair().context("creating the signal socket")?;
        for signal in [SIGTERM, SIGINT] {
            let tx = tx.try_clone().context("creating the signal socket")?;
            pipe::register(signal, tx).context("installing the SIGTERM/SIGINT handler")?;
        }
        Ok(Stop { rx })
    }

    /// Sleeps up to `timeout` (at least 1 ms); true when a stop signal came.
    pub fn wait(&self, timeout: Duration) -> bool {
        let timeout = timeout.max(Duration::from_millis(1));
        if self.rx.set_read_timeout(Some(timeout)).is_err() {
            return true;
        }
        let mut buf = [0u8; 16];
        match (&self.rx).read(&mut buf) {
            // A byte is a signal; 0 bytes would mean every writer is gone: stop too.
            Ok(_n) => true,
            Err(e) => !matches!(
                e.kind(),
                ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
            ),
        }
    }
}
