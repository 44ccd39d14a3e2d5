//! The HTTP server loop: axum's router on hyper, with two things `axum::serve` cannot be told
//! (issue 13, defect 6; spec §1.4 and §1.10):
//!
//! - header lines hyper cannot parse (a control character in a value, e.g. an
//!   `X-Request-ID: \x01\x7f`) are ignored instead of refusing the whole request — a bad
//!   `X-Request-ID` is then replaced by a generated one, as §1.10 asks;
//! - the answer hyper writes by itself to a request it could not parse at all (a raw space
//!   in the path, a request line over 64 KiB, a header section over the buffer) carries the
//!   GoBiz envelope instead of an empty body ([`EnvelopeOnParseError`]).
//!
//! Graceful shutdown as in `axum::serve`: stop accepting, let every connection finish its
//! request in flight, then return.

use crate::envelope::ApiError;
use axum::http::StatusCode;
use hyper::server::conn::http1::Builder;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Serves `app` on `listener` until `shutdown` completes, then waits for the connections'
/// requests in flight.
pub async fn serve(
    listener: TcpListener,
    app: crate::routes::App,
    shutdown: impl Future<Output = ()> + Send,
) -> io::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(());
    let (done_tx, done_rx) = watch::channel(());
    let mut builder = Builder::new();
    builder
        .timer(TokioTimer::new())
        .ignore_invalid_headers(true);
    tokio::pin!(shutdown);
    loop {
        let (stream, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of descriptors and the like: wait instead of spinning, as
                    // axum::serve does.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let io = TokioIo::new(EnvelopeOnParseError::new(stream));
        let service = TowerToHyperService::new(app.clone());
        let builder = builder.clone();
        let mut stop = stop_rx.clone();
        let done = done_rx.clone();
        tokio::spawn(async move {
            let conn = builder.serve_connection(io, service).with_upgrades();
            tokio::pin!(conn);
            loop {
                tokio::select! {
                    result = conn.as_mut() => {
                        if let Err(e) = result {
                            tracing::debug!(error = %e, "connection ended with an error");
                        }
                        break;
                    }
                    _ = stop.changed() => conn.as_mut().graceful_shutdown(),
                }
            }
            drop(done);
        });
    }
    drop(listener);
    let _ = stop_tx.send(());
    drop(done_rx);
    done_tx.closed().await;
    Ok(())
}

/// Which of hyper's own answers get the envelope, and what they say.
fn envelope_for(status: u16) -> Option<ApiError> {
    let (status, title, message) = match status {
        400 => (
            StatusCode::BAD_REQUEST,
            "Bad Request",
            "The request line or headers could not be parsed (HTTP/1.1 syntax: method, one space, a path without spaces or control characters, one space, the version)",
        ),
        414 => (
            StatusCode::URI_TOO_LONG,
            "URI Too Long",
            "The request target is longer than the server accepts",
        ),
        431 => (
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "Request Header Fields Too Large",
            "The request headers are larger than the server accepts",
        ),
        _ => return None,
    };
    Some(ApiError::new(status, title, message))
}

/// The status of a response head that hyper wrote by itself after a parse error: a 4xx
/// whose head declares `content-length: 0` and nothing follows. The application never
/// answers an error without a body (every error carries the envelope), so such a head can
/// only be hyper's.
fn bare_error_status(buf: &[u8]) -> Option<u16> {
    let rest = buf
        .strip_prefix(b"HTTP/1.1 ")
        .or_else(|| buf.strip_prefix(b"HTTP/1.0 "))?;
    let code = std::str::from_utf8(rest.get(..3)?)
        .ok()?
        .parse::<u16>()
        .ok()?;
    if !(400..500).contains(&code) || !buf.ends_with(b"\r\n\r\n") {
        return None;
    }
    let head = String::from_utf8_lossy(buf).to_ascii_lowercase();
    head.contains("\r\ncontent-length: 0\r\n").then_some(code)
}

/// The envelope response that replaces hyper's bodiless one.
fn replacement(code: u16) -> Option<Vec<u8>> {
    let error = envelope_for(code)?;
    let body = serde_json::to_string(&error.body()).unwrap_or_default();
    let reason = error.status().canonical_reason().unwrap_or("Error");
    let request_id = uuid::Uuid::new_v4();
    Some(
        format!(
            "HTTP/1.1 {code} {reason}\r\ncontent-type: application/json\r\n\
             content-length: {}\r\nx-request-id: {request_id}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}

/// How a connection's stream is closed after the server answered a request it did not read
/// whole (a header section over hyper's buffer): closing a socket with unread bytes makes the
/// kernel send a reset, which can reach the client before it has read the answer and throw
/// the answer away. So the stream first says it is done writing, then reads and discards what
/// the client still sends, for at most [`LINGER_TIME`] and [`LINGER_BYTES`] (what nginx calls
/// a lingering close).
pub trait Linger: Sized {
    /// Closes the stream, lingering as above.
    fn linger(self);
}

/// How long a lingering close reads at most.
const LINGER_TIME: Duration = Duration::from_secs(5);

/// How many bytes a lingering close discards at most.
const LINGER_BYTES: usize = 4 * 1024 * 1024;

impl Linger for tokio::net::TcpStream {
    fn linger(self) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        runtime.spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let mut stream = self;
            let _ = stream.shutdown().await;
            let mut scratch = vec![0u8; 16 * 1024];
            let mut left = LINGER_BYTES;
            let _ = tokio::time::timeout(LINGER_TIME, async {
                while left > 0 {
                    match stream.read(&mut scratch).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => left = left.saturating_sub(n),
                    }
                }
            })
            .await;
        });
    }
}

/// A connection's byte stream that swaps hyper's bodiless parse-error answers for envelope
/// answers; everything else passes through untouched. A stream that gave such an answer is
/// closed with [`Linger`].
pub struct EnvelopeOnParseError<IO: Linger> {
    /// The stream (taken out only when this is dropped).
    inner: Option<IO>,
    /// A replacement being written: its bytes, how many are written, and the length of the
    /// buffer hyper asked to write (reported once the replacement is out).
    pending: Option<(Vec<u8>, usize, usize)>,
    /// Whether an error answer replaced hyper's (the request was not read whole).
    answered_error: bool,
}

impl<IO: Linger> EnvelopeOnParseError<IO> {
    /// Wraps a connection.
    pub fn new(inner: IO) -> Self {
        EnvelopeOnParseError {
            inner: Some(inner),
            pending: None,
            answered_error: false,
        }
    }

    /// The stream, or an error once it has been taken out.
    fn io(&mut self) -> io::Result<&mut IO> {
        self.inner
            .as_mut()
            .ok_or_else(|| io::ErrorKind::NotConnected.into())
    }
}

impl<IO: Linger> Drop for EnvelopeOnParseError<IO> {
    fn drop(&mut self) {
        if self.answered_error {
            if let Some(io) = self.inner.take() {
                io.linger();
            }
        }
    }
}

impl<IO: AsyncRead + Unpin + Linger> AsyncRead for EnvelopeOnParseError<IO> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.io() {
            Ok(io) => Pin::new(io).poll_read(cx, buf),
            Err(e) => Poll::Ready(Err(e)),
        }
    }
}

impl<IO: AsyncWrite + Unpin + Linger> EnvelopeOnParseError<IO> {
    /// Writes the rest of the replacement; ready with the length hyper asked for when done.
    fn drive_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        while let Some((bytes, written, _)) = self.pending.as_mut() {
            if *written >= bytes.len() {
                break;
            }
            let Some(inner) = self.inner.as_mut() else {
                return Poll::Ready(Err(io::ErrorKind::NotConnected.into()));
            };
            match Pin::new(inner).poll_write(cx, &bytes[*written..]) {
                Poll::Ready(Ok(0)) => {
                    return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                }
                Poll::Ready(Ok(n)) => *written += n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        let reported = self.pending.take().map_or(0, |(_, _, len)| len);
        Poll::Ready(Ok(reported))
    }

    /// Starts a replacement when `buf` is one of hyper's bodiless error heads.
    fn intercept(&mut self, buf: &[u8]) -> bool {
        if self.pending.is_some() {
            return true;
        }
        match bare_error_status(buf).and_then(replacement) {
            Some(bytes) => {
                self.pending = Some((bytes, 0, buf.len()));
                self.answered_error = true;
                true
            }
            None => false,
        }
    }
}

impl<IO: AsyncWrite + Unpin + Linger> AsyncWrite for EnvelopeOnParseError<IO> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.intercept(buf) {
            return self.drive_pending(cx);
        }
        match self.io() {
            Ok(io) => Pin::new(io).poll_write(cx, buf),
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let first = bufs.iter().find(|b| !b.is_empty());
        if let Some(first) = first {
            if bufs.iter().filter(|b| !b.is_empty()).count() == 1 && self.intercept(first) {
                return self.drive_pending(cx);
            }
        }
        match self.io() {
            Ok(io) => Pin::new(io).poll_write_vectored(cx, bufs),
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.as_ref().is_some_and(|io| io.is_write_vectored())
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.pending.is_some() {
            match self.drive_pending(cx) {
                Poll::Ready(Ok(_)) => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        match self.io() {
            Ok(io) => Pin::new(io).poll_flush(cx),
            Err(e) => Poll::Ready(Err(e)),
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.io() {
            Ok(io) => Pin::new(io).poll_shutdown(cx),
            Err(e) => Poll::Ready(Err(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_hyper_bare_errors_only() {
        let hyper = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\ndate: Fri, 04 Dec 2026 10:00:00 GMT\r\n\r\n";
        assert_eq!(bare_error_status(hyper), Some(400));
        let ours = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 120\r\n\r\n";
        assert_eq!(bare_error_status(ours), None);
        let ok = b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(bare_error_status(ok), None);
        let with_body = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\nx";
        assert_eq!(bare_error_status(with_body), None);
        let r = String::from_utf8(replacement(414).unwrap()).unwrap();
        assert!(r.starts_with("HTTP/1.1 414 URI Too Long\r\n"));
        assert!(r.contains("\"success\":false"));
        let body = r.split("\r\n\r\n").nth(1).unwrap();
        assert!(r.contains(&format!("content-length: {}\r\n", body.len())));
    }
}
