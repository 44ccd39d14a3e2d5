//! Group commit of access-token inserts. Every client-credentials token was one INSERT in a
//! transaction of its own; under load, the commits (SQLite's single writer, PostgreSQL's
//! round trips) were the token endpoint's cost. Here, concurrent requests hand their rows to
//! one task, which writes whatever has gathered as one multi-row INSERT (a single statement,
//! so atomic without an explicit transaction) and then answers every request: a token is still
//! answered only once it is committed, and a failed batch fails each of its requests (nothing
//! is answered that was not stored). On PostgreSQL a few batches are written at once.

use crate::{ServiceError, ServiceResult};
use gobiz_domain::entities::AccessGrant;
use gobiz_store::{tokens, Backend, Db};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, Semaphore};

/// Most rows in one batch.
const MAX_BATCH: usize = 256;

/// A row waiting for its commit.
struct Pending {
    hash: String,
    grant: AccessGrant,
    done: oneshot::Sender<Result<(), String>>,
}

/// The handle requests use; cheap to clone.
#[derive(Clone)]
pub struct TokenWriter {
    queue: mpsc::Sender<Pending>,
}

impl TokenWriter {
    /// Starts the writer task on `db` (it ends when every handle is dropped).
    pub fn start(db: Db) -> TokenWriter {
        let (queue, rx) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(write_loop(db, rx));
        TokenWriter { queue }
    }

    /// Stores the token (by its hash) and returns once it is committed.
    pub async fn insert(&self, hash: String, grant: AccessGrant) -> ServiceResult<()> {
        let (done, answer) = oneshot::channel();
        self.queue
            .send(Pending { hash, grant, done })
            .await
            .map_err(|_| ServiceError::Unavailable("the token writer has stopped".into()))?;
        match answer.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(reason)) => Err(ServiceError::Unavailable(reason)),
            Err(_) => Err(ServiceError::Unavailable(
                "the token writer stopped before the commit".into(),
            )),
        }
    }
}

/// Batches written at the same time: SQLite has one writer, so one; PostgreSQL commits
/// concurrent transactions in parallel, so a few keep its round trips overlapping.
fn lanes(db: &Db) -> usize {
    match db.backend() {
        Backend::Sqlite => 1,
        Backend::Postgres => 4,
    }
}

async fn write_loop(db: Db, mut rx: mpsc::Receiver<Pending>) {
    let lanes = Arc::new(Semaphore::new(lanes(&db)));
    while let Some(first) = rx.recv().await {
        // Wait for a free lane first: what arrives meanwhile joins this batch.
        let Ok(lane) = lanes.clone().acquire_owned().await else {
            return;
        };
        let mut batch: Vec<Pending> = Vec::with_capacity(MAX_BATCH);
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(p) => batch.push(p),
                Err(_) => break,
            }
        }
        let db = db.clone();
        tokio::spawn(async move {
            write_batch(&db, batch).await;
            drop(lane);
        });
    }
}

/// One multi-row INSERT: a single statement is atomic on its own, so it needs no explicit
/// transaction (which would cost two more round trips to the database).
async fn write_batch(db: &Db, batch: Vec<Pending>) {
    let rows: Vec<(&str, &AccessGrant)> =
        batch.iter().map(|p| (p.hash.as_str(), &p.grant)).collect();
    let result = async {
        let mut conn = db.write_conn().await?;
        tokens::insert_many(&mut conn, &rows).await
    }
    .await
    .map_err(|e| {
        tracing::error!(error = %e, count = batch.len(), "storing access tokens failed");
        format!("storing the access token failed: {e}")
    });
    drop(rows);
    for p in batch {
        let _ = p.done.send(result.clone());
    }
}
