//! nginx 1.22.1 as a reverse proxy / load balancer, as sans-IO pieces
//! (spec-nginx-upstream.md):
//!
//! - [`config`]: the configuration's types ([`NginxConfig`]); `parse.rs` (with `lexer.rs`) reads
//!   `nginx.conf` + `conf.d/*.conf` in nginx syntax into them or gives nginx's
//!   `[emerg] … in FILE:LINE`; [`nginx_t`] gives `nginx -t`'s lines; [`directives`] is what
//!   nginx 1.22.1 knows and what labsim models of it.
//! - [`upstream`]: the peers of one `upstream` group, smooth weighted round robin (§2), failure
//!   accounting on nginx's whole-second clock (§3), backup/down (§4.1), `ip_hash` and
//!   `least_conn` (§10).
//! - [`proxy`]: one proxied client request (§4–§8): which peer to connect to, the bytes sent
//!   upstream, retries, the response head and body for the client, error-log and access-log lines.
//! - [`pages`]: nginx's built-in error pages and the client response head.
//!
//! - [`accept`]: which worker takes a new connection (Linux's `EPOLLEXCLUSIVE` wake-up and
//!   nginx's periodic re-add of the listening socket).
//! - [`connections`]: `worker_connections`, what takes a worker's connections and what nginx
//!   logs when none is left.
//!
//! Each worker process has its own peer state (§1.1): the glue keeps one [`Upstream`] per group
//! per worker and rebuilds them on `nginx -s reload` (fresh peer state, §2).

pub(crate) mod accept;
pub(crate) mod config;
pub(crate) mod connections;
pub(crate) mod directives;
mod lexer;
pub(crate) mod pages;
mod parse;
pub(crate) mod proxy;
pub(crate) mod upstream;

pub(crate) use config::{ConfFiles, Loaded, NginxConfig, Refused, Resolver, TestRun};
pub(crate) use pages::error_page;
pub(crate) use parse::{nginx_t, warn_line};
pub(crate) use proxy::{Action, ProxyRequest, RequestCtx, wants_keep_alive};
pub(crate) use upstream::Upstream;
