//! A small fixed pool of threads that run argon2id, so hashing work — and above all its
//! memory — has a ceiling whatever the request rate.
//!
//! A worker hashes in an argon2 memory buffer (`m_cost` KiB) taken from a stack of free
//! buffers and given back after the job; a buffer is allocated only when the stack is empty,
//! so there are never more buffers than workers, none is ever freed or allocated again, and
//! the most recently used (warm) buffer is taken first — a lightly loaded server holds one.
//! No per-hash allocation, and the process keeps at most `workers × m_cost` of argon2 memory
//! however many requests arrive. The number of workers comes from a memory budget
//! ([`MEMORY_BUDGET_BYTES`]), so more cores never mean more memory; fewer cores than that
//! mean fewer workers, since a thread more than the cores adds no hashing throughput and only
//! takes CPU slices from request handling (measured with `gobiz-bench token-flood`: on two
//! cores, six workers let correct requests' p99 reach 300 ms under a flood, two keep it under
//! 100 ms). Jobs wait in
//! a bounded queue; [`HashPool::verify`] refuses at once when it is full ([`PoolError::Busy`]),
//! [`HashPool::hash`] (admin-authenticated callers) waits for room instead.
//!
//! Hand-written because it is small: a `tokio` channel feeding plain threads. `spawn_blocking`
//! has no bound short of 512 threads, each with its own allocator arena that keeps the freed
//! 19 MiB; rayon and friends are not in the dependency tree and would not own the buffers.

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::RngCore;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use subtle::ConstantTimeEq;
use tokio::sync::{mpsc, oneshot};

/// argon2 memory that may be in use at once (128 MiB), whatever the core count.
pub const MEMORY_BUDGET_BYTES: usize = 128 * 1024 * 1024;

/// Jobs that may wait for each worker before [`HashPool::verify`] answers busy.
pub const QUEUE_PER_WORKER: usize = 4;

/// Parameters of new hashes: argon2id v19, m = 19 MiB, t = 2, p = 1 (OWASP's first choice).
pub const PARAMS: Params = Params::DEFAULT;

/// Bytes of one argon2 block.
const BLOCK_BYTES: usize = 1024;

/// Why the pool did not answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolError {
    /// Every worker is busy and the queue is full: come back later.
    Busy,
    /// The workers are gone (shutdown, or a worker panicked with the job).
    Gone,
}

enum Job {
    Verify {
        secret: String,
        phc: String,
        reply: oneshot::Sender<bool>,
    },
    Hash {
        secret: String,
        reply: oneshot::Sender<Result<String, String>>,
    },
}

/// The pool. Dropping the last handle stops its threads once the queue is drained.
pub struct HashPool {
    tx: mpsc::Sender<Job>,
    workers: usize,
    jobs: AtomicU64,
    memory: Arc<Memory>,
}

/// The free argon2 buffers (a stack: last given back, first taken) and how many exist.
#[derive(Default)]
struct Memory {
    free: Mutex<Vec<Vec<Block>>>,
    allocated: AtomicUsize,
}

impl Memory {
    fn take(&self) -> Vec<Block> {
        let free = self.free.lock().unwrap_or_else(|e| e.into_inner()).pop();
        free.unwrap_or_else(|| {
            self.allocated.fetch_add(1, Ordering::Relaxed);
            vec![Block::default(); PARAMS.block_count()]
        })
    }

    fn give_back(&self, buffer: Vec<Block>) {
        self.free
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(buffer);
    }
}

impl Default for HashPool {
    fn default() -> Self {
        HashPool::new(MEMORY_BUDGET_BYTES, QUEUE_PER_WORKER)
    }
}

impl HashPool {
    /// `floor(budget / m_cost)` workers (at least one, at most the cores) and
    /// `queue_per_worker` queue slots for each worker the budget allows.
    pub fn new(budget_bytes: usize, queue_per_worker: usize) -> HashPool {
        let per_worker = PARAMS.block_count() * BLOCK_BYTES;
        let budgeted = (budget_bytes / per_worker).max(1);
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let wanted = budgeted.min(cores);
        let (tx, rx) = mpsc::channel(budgeted * queue_per_worker.max(1));
        let rx = Arc::new(Mutex::new(rx));
        let memory = Arc::new(Memory::default());
        let mut workers = 0;
        for i in 0..wanted {
            let (rx, memory) = (rx.clone(), memory.clone());
            match std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || work(&rx, &memory))
            {
                Ok(_) => workers += 1,
                Err(e) => tracing::error!(error = %e, "cannot start an argon2 worker"),
            }
        }
        HashPool {
            tx,
            workers,
            jobs: AtomicU64::new(0),
            memory,
        }
    }

    /// Worker threads running.
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Jobs accepted so far.
    pub fn jobs(&self) -> u64 {
        self.jobs.load(Ordering::Relaxed)
    }

    /// argon2 buffers allocated so far (at most one per worker).
    pub fn buffers(&self) -> usize {
        self.memory.allocated.load(Ordering::Relaxed)
    }

    /// Jobs that may wait in the queue.
    pub fn queue_capacity(&self) -> usize {
        self.tx.max_capacity()
    }

    /// Checks `secret` against a PHC string; [`PoolError::Busy`] at once when the queue is full.
    pub async fn verify(&self, secret: &str, phc: &str) -> Result<bool, PoolError> {
        let (reply, answer) = oneshot::channel();
        let job = Job::Verify {
            secret: secret.to_string(),
            phc: phc.to_string(),
            reply,
        };
        self.tx.try_send(job).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => PoolError::Busy,
            mpsc::error::TrySendError::Closed(_) => PoolError::Gone,
        })?;
        self.jobs.fetch_add(1, Ordering::Relaxed);
        answer.await.map_err(|_| PoolError::Gone)
    }

    /// A new argon2id PHC string of `secret` ([`PARAMS`], random salt); waits for queue room.
    pub async fn hash(&self, secret: &str) -> Result<String, String> {
        let (reply, answer) = oneshot::channel();
        let job = Job::Hash {
            secret: secret.to_string(),
            reply,
        };
        self.tx
            .send(job)
            .await
            .map_err(|_| "the argon2 workers are gone".to_string())?;
        self.jobs.fetch_add(1, Ordering::Relaxed);
        answer
            .await
            .map_err(|_| "the argon2 worker dropped the job".to_string())?
    }
}

/// A worker: takes jobs until every sender is dropped. Jobs whose requester went away (client
/// disconnected, request cancelled) are skipped.
fn work(rx: &Mutex<mpsc::Receiver<Job>>, buffers: &Memory) {
    loop {
        let job = {
            let mut queue = rx.lock().unwrap_or_else(|e| e.into_inner());
            queue.blocking_recv()
        };
        match job {
            None => return,
            Some(Job::Verify { secret, phc, reply }) => {
                if !reply.is_closed() {
                    let mut memory = buffers.take();
                    let ok = verify_in(&mut memory, secret.as_bytes(), &phc);
                    buffers.give_back(memory);
                    let _ = reply.send(ok);
                }
            }
            Some(Job::Hash { secret, reply }) => {
                if !reply.is_closed() {
                    let mut memory = buffers.take();
                    let phc = hash_in(&mut memory, secret.as_bytes());
                    buffers.give_back(memory);
                    let _ = reply.send(phc);
                }
            }
        }
    }
}

/// Runs `ctx` in a pool buffer. A stored hash with a larger `m_cost` (none today) gets a
/// buffer of its own for that one job, so the pool's buffers never outgrow the budget.
fn run(
    memory: &mut [Block],
    ctx: &Argon2<'_>,
    pwd: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> argon2::Result<()> {
    let needed = ctx.params().block_count();
    if needed > PARAMS.block_count() {
        let mut own = vec![Block::default(); needed];
        return ctx.hash_password_into_with_memory(pwd, salt, out, &mut own[..]);
    }
    let memory = memory
        .get_mut(..needed)
        .ok_or(argon2::Error::MemoryTooLittle)?;
    ctx.hash_password_into_with_memory(pwd, salt, out, memory)
}

/// Parses the PHC string, rebuilds argon2 from its algorithm, version and parameters, hashes
/// into the worker's buffer and compares in constant time. Anything unparsable is `false`.
fn verify_in(memory: &mut [Block], secret: &[u8], phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(expected), Some(salt)) = (parsed.hash, parsed.salt) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let mut out = [0u8; Output::MAX_LENGTH];
    let Some(out) = out.get_mut(..expected.len()) else {
        return false;
    };
    let ctx = Argon2::new(algorithm, version, params);
    if run(memory, &ctx, secret, salt, out).is_err() {
        return false;
    }
    out.ct_eq(expected.as_bytes()).into()
}

/// A PHC string in the exact form `Argon2::default().hash_password` writes.
fn hash_in(memory: &mut [Block], secret: &[u8]) -> Result<String, String> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_buf).map_err(|e| e.to_string())?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    let ctx = Argon2::new(Algorithm::Argon2id, Version::V0x13, PARAMS);
    run(memory, &ctx, secret, salt_bytes, &mut out).map_err(|e| e.to_string())?;
    phc_string(&salt, &out)
}

fn phc_string(salt: &SaltString, out: &[u8]) -> Result<String, String> {
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&PARAMS).map_err(|e| e.to_string())?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(out).map_err(|e| e.to_string())?),
    };
    Ok(hash.to_string())
}

/// A PHC string with [`PARAMS`], a random salt and a random output (so no secret matches it),
/// made once per process: unknown client ids are checked against it, so they cost what a
/// wrong secret for a known client costs.
pub fn dummy_phc() -> &'static str {
    static DUMMY: LazyLock<String> = LazyLock::new(|| {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
        rand::thread_rng().fill_bytes(&mut out);
        phc_string(&salt, &out).unwrap_or_default()
    });
    &DUMMY
}

/// Tests: a PHC string with cheap parameters, as written by the argon2 crate itself
/// (verification through the pool is then fast).
#[cfg(test)]
pub(crate) fn cheap_phc(secret: &str) -> String {
    use argon2::password_hash::PasswordHasher;
    let params = Params::new(64, 1, 1, None).unwrap();
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(secret.as_bytes(), &salt)
        .unwrap()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    #[test]
    fn workers_come_from_the_memory_budget() {
        let pool = HashPool::default();
        // floor(128 MiB / 19 MiB) = 6, or fewer on fewer cores.
        let cores = std::thread::available_parallelism().unwrap().get();
        assert_eq!(pool.workers(), 6.min(cores));
        assert_eq!(pool.queue_capacity(), 6 * QUEUE_PER_WORKER);
        assert_eq!(HashPool::new(1, 2).workers(), 1);
    }

    #[tokio::test]
    async fn pool_hashes_verify_with_the_argon2_crate_and_back() {
        let pool = HashPool::default();
        let phc = pool.hash("s3cr3t").await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        let parsed = PasswordHash::new(&phc).unwrap();
        assert!(Argon2::default()
            .verify_password(b"s3cr3t", &parsed)
            .is_ok());
        // Existing hashes, written by `Argon2::default().hash_password`, still verify.
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        let old = Argon2::default()
            .hash_password(b"old-secret", &salt)
            .unwrap()
            .to_string();
        assert_eq!(pool.verify("old-secret", &old).await, Ok(true));
        assert_eq!(pool.verify("s3cr3t", &phc).await, Ok(true));
        assert_eq!(pool.verify("wrong", &phc).await, Ok(false));
        // One job at a time: one buffer, reused.
        assert_eq!(pool.buffers(), 1);
        // Other parameters and garbage.
        let cheap = cheap_phc("c");
        assert_eq!(pool.verify("c", &cheap).await, Ok(true));
        assert_eq!(pool.verify("d", &cheap).await, Ok(false));
        assert_eq!(pool.verify("c", "not a phc").await, Ok(false));
        assert_eq!(
            pool.verify("c", "$argon2id$v=19$m=64,t=1,p=1").await,
            Ok(false)
        );
        // The dummy has the same parameters and matches nothing.
        let dummy = dummy_phc();
        assert!(
            dummy.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{dummy}"
        );
        assert_eq!(pool.verify("", dummy).await, Ok(false));
    }

    #[tokio::test]
    async fn a_full_queue_answers_busy_at_once() {
        // One worker and one queue slot: of three jobs submitted together (each takes tens of
        // milliseconds), the worker holds one, the queue one, and the third is refused at once.
        let pool = HashPool::new(1, 1);
        let phc = dummy_phc();
        let (a, b, c) = tokio::join!(
            pool.verify("a", phc),
            pool.verify("b", phc),
            pool.verify("c", phc)
        );
        let answers = [a, b, c];
        assert!(answers.contains(&Err(PoolError::Busy)), "{answers:?}");
        assert!(answers.contains(&Ok(false)), "{answers:?}");
        // Room again once the jobs are done.
        assert_eq!(pool.verify("d", phc).await, Ok(false));
        assert_eq!(pool.buffers(), 1);
    }

    #[tokio::test]
    async fn never_more_buffers_than_workers() {
        let pool = Arc::new(HashPool::new(3 * PARAMS.block_count() * BLOCK_BYTES, 8));
        let phc = dummy_phc();
        let mut tasks = Vec::new();
        for i in 0..20 {
            let pool = pool.clone();
            tasks.push(tokio::spawn(async move {
                pool.verify(&format!("s{i}"), phc).await
            }));
        }
        for t in tasks {
            let answer = t.await.unwrap();
            assert!(
                matches!(answer, Ok(false) | Err(PoolError::Busy)),
                "{answer:?}"
            );
        }
        assert!((1..=3).contains(&pool.workers()));
        assert!(
            (1..=pool.workers()).contains(&pool.buffers()),
            "{} buffers",
            pool.buffers()
        );
    }
}
