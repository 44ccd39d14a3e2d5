//! The console's live feeds: Server-Sent Events that render a fragment every second and send
//! it as `event: <name>` whenever it changed. Only the last fragment's hash is kept, each poll
//! reads the database through the services (so every node of a deployment serves it), and the
//! feed ends with its connection or when the server starts shutting down.

use crate::AppState;
use axum::http::{header, HeaderValue};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use std::convert::Infallible;
use std::future::Future;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::Duration;

/// How often a feed renders its fragment again.
const POLL: Duration = Duration::from_secs(1);

/// A feed of `render()`'s changes, sent as event `name`.
pub fn feed<F, Fut>(state: &AppState, name: &'static str, render: F) -> Response
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Option<String>> + Send + 'static,
{
    let stream = futures_util::stream::unfold(
        (render, None::<u64>, Duration::ZERO),
        move |(render, last, wait)| async move {
            let mut wait = wait;
            loop {
                tokio::time::sleep(wait).await;
                wait = POLL;
                let Some(fragment) = render().await else {
                    continue;
                };
                let mut h = DefaultHasher::new();
                fragment.hash(&mut h);
                let h = h.finish();
                if last != Some(h) {
                    let ev = Event::default().event(name).data(fragment);
                    return Some((Ok::<Event, Infallible>(ev), (render, Some(h), wait)));
                }
            }
        },
    );
    let mut stopping = state.stopping.clone();
    let stop = async move {
        let _ = stopping.wait_for(|s| *s).await;
    };
    let mut resp = Sse::new(stream.take_until(Box::pin(stop)))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}
