//! Target `nginx`: the nginx snippet (as `DOWNPAGE_NGINX_CONF` writes it) as `nginx.conf`
//! in the output, for `include` inside a `server {}`; also the base for NGINX Gateway
//! Fabric and F5 NGINX Ingress (`nginx.org/custom-http-errors`).

use anyhow::Result;

use super::{Artifact, Input, Kind};

pub fn artifacts(input: &Input) -> Result<Vec<Artifact>> {
    let root = input.root(Kind::Nginx)?;
    crate::nginx::check_root(root).map_err(|e| anyhow::anyhow!("target nginx: root {e}"))?;
    let entries: Vec<crate::nginx::Entry> = input
        .pages
        .iter()
        .map(|p| crate::nginx::Entry {
            dest: &p.dest,
            code: p.code,
        })
        .collect();
    let text = crate::nginx::snippet(&entries, root, input.gzip, input.langs)?;
    Ok(vec![Artifact::config("nginx.conf", text)])
}
