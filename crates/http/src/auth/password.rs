//! argon2id hashing, on a thread of its own so it never stalls an async worker.
//!
//! One thread computes every hash, in turn, and verifies in one memory buffer it keeps
//! (19 MiB with the OWASP parameters). On the blocking pool, a storm of logins took
//! every core (the other requests waited) and allocated a 19 MiB buffer per login in
//! flight, which glibc's per-thread arenas kept: bench/load.sh measured gigabytes of
//! RSS. Now the logins queue, the other requests keep a core, and the memory stays one
//! buffer.
//!
//! The queue is bounded (`HttpConfig::password_queue`, `AGIR_PASSWORD_QUEUE`): when that
//! many hashes already wait, the request answers 503 `password_hashing_busy` with
//! `Retry-After` at once instead of waiting behind an unbounded storm.

use std::sync::mpsc;

use argon2::password_hash::PasswordHasher;
use argon2::password_hash::phc::Output;
use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, Version};

use crate::problem::ApiError;

/// argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Params {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Argon2Params {
    /// OWASP's recommendation: m = 19456 KiB, t = 2, p = 1.
    pub const OWASP: Self = Self {
        memory_kib: 19_456,
        iterations: 2,
        parallelism: 1,
    };
    /// Cheap parameters, for tests only.
    pub const TESTING: Self = Self {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };
}

/// Work for the hashing thread, given its memory.
type Job = Box<dyn FnOnce(&mut Vec<Block>) + Send>;

pub struct Passwords {
    argon: Argon2<'static>,
    /// Verified against when the account does not exist, so that an unknown email
    /// costs the same time as a wrong password.
    dummy_hash: String,
    /// Work for the hashing thread, which stops when this is dropped. Bounded: a job
    /// that finds it full is refused (503), not queued.
    jobs: mpsc::SyncSender<Job>,
}

/// Hashes waiting (not counting the one being computed) when `password_queue` is not set.
pub const DEFAULT_QUEUE: usize = 64;

/// The `Retry-After` of a refusal: the queue drains in well under a second at the
/// OWASP parameters on an idle core.
pub const BUSY_RETRY_AFTER_SECS: u64 = 1;

/// Keeps the hashing thread busy until dropped (see [`Passwords::hold`]).
pub struct Hold {
    /// Dropping it ends the held job's wait.
    release: Option<mpsc::Sender<()>>,
    started: mpsc::Receiver<()>,
}

impl Hold {
    /// Blocks until the thread runs the held job (so it no longer waits in the queue).
    pub fn wait_started(&self) {
        let _ = self.started.recv();
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        self.release.take();
    }
}

/// Whether `password` matches the PHC string `hash`, computed in `memory` (grown to
/// the hash's parameters once): what `PasswordVerifier::verify_password` does, without
/// allocating the argon2 memory at every call.
fn verify_in(memory: &mut Vec<Block>, password: &[u8], hash: &str) -> bool {
    let Ok(hash) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(version), Ok(params)) = (
        Algorithm::try_from(hash.algorithm.as_str()),
        hash.version.map(Version::try_from).transpose(),
        Params::try_from(&hash),
    ) else {
        return false;
    };
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::new());
    }
    let argon = Argon2::new(algorithm, version.unwrap_or_default(), params);
    let mut out = [0u8; Output::MAX_LENGTH];
    let Some(out) = out.get_mut(..expected.len()) else {
        return false;
    };
    argon
        .hash_password_into_with_memory(password, salt.as_ref(), out, &mut memory[..blocks])
        .is_ok()
        // Output compares in constant time.
        && Output::new(out).is_ok_and(|computed| computed == *expected)
}

/// Nice 10 for the hashing thread: when the cores are busy, a storm of logins gets
/// about a tenth of a core's share against each request thread, so it slows the
/// logins (they queue) more than it slows every other request. Idle cores still run
/// it at full speed. (`thread-priority` maps 0..=99 onto nice 19..=-20; 22 is nice 10.)
/// Where the system refuses, the thread keeps its priority.
fn lower_priority() {
    use thread_priority::{ThreadPriority, ThreadPriorityValue, set_current_thread_priority};
    if let Ok(value) = ThreadPriorityValue::try_from(22u8)
        && let Err(err) = set_current_thread_priority(ThreadPriority::Crossplatform(value))
    {
        tracing::warn!(error = ?err, "cannot lower the priority of the password hashing thread");
    }
}

/// Starts the hashing thread, with room for `bound` waiting jobs (at least 1).
fn spawn_hasher(bound: usize) -> Result<mpsc::SyncSender<Job>, String> {
    let (jobs, queue) = mpsc::sync_channel::<Job>(bound.max(1));
    std::thread::Builder::new()
        .name("argon2".into())
        .spawn(move || {
            lower_priority();
            let mut memory = Vec::new();
            for job in queue {
                // A panic fails its own request (the answer is dropped), not the thread.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut memory)));
            }
        })
        .map_err(|e| format!("cannot start the password hashing thread: {e}"))?;
    Ok(jobs)
}

impl Passwords {
    /// The hasher with `queue` jobs at most waiting for the thread.
    pub fn new(params: Argon2Params, queue: usize) -> Result<Self, String> {
        let params = Params::new(
            params.memory_kib,
            params.iterations,
            params.parallelism,
            None,
        )
        .map_err(|e| e.to_string())?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let dummy_hash = argon
            .hash_password(b"a password nobody has")
            .map_err(|e| e.to_string())?
            .to_string();
        Ok(Self {
            argon,
            dummy_hash,
            jobs: spawn_hasher(queue)?,
        })
    }

    /// Runs `work` on the hashing thread, after the work queued before it.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let span = tracing::Span::current();
        self.submit(Box::new(move |memory: &mut Vec<Block>| {
            let _entered = span.enter();
            let _ = answer.send(work(memory));
        }))?;
        answered
            .await
            .map_err(|_| ApiError::Internal("password hashing failed".into()))
    }

    /// Queues a job, or refuses it at once when the queue is full.
    fn submit(&self, job: Job) -> Result<(), ApiError> {
        self.jobs.try_send(job).map_err(|err| match err {
            mpsc::TrySendError::Full(_) => {
                tracing::warn!("password hashing queue full: request refused");
                ApiError::Busy {
                    retry_after_secs: BUSY_RETRY_AFTER_SECS,
                }
            }
            mpsc::TrySendError::Disconnected(_) => {
                ApiError::Internal("the password hashing thread stopped".into())
            }
        })
    }

    /// Queues a job that keeps the hashing thread busy until the returned guard is
    /// dropped; 503 like a hash when the queue is full. Tests use it to fill the queue
    /// without depending on timing.
    pub fn hold(&self) -> Result<Hold, ApiError> {
        let (release, released) = mpsc::channel::<()>();
        let (start, started) = mpsc::channel::<()>();
        self.submit(Box::new(move |_| {
            let _ = start.send(());
            // Returns when the guard drops its sender.
            let _ = released.recv();
        }))?;
        Ok(Hold {
            release: Some(release),
            started,
        })
    }

    /// Blocks until every job queued before this call is done (waiting for room in the
    /// queue if need be). For tests: after holds are dropped, the queue is empty again.
    pub fn wait_idle(&self) {
        let (done, finished) = mpsc::channel::<()>();
        if self
            .jobs
            .send(Box::new(move |_| {
                let _ = done.send(());
            }))
            .is_ok()
        {
            let _ = finished.recv();
        }
    }

    /// Fills the queue: holds the thread (once it runs the hold), then every waiting
    /// place, so that the next hash is refused whatever the thread's pace. For tests.
    pub fn fill(&self) -> Vec<Hold> {
        let mut holds = Vec::new();
        if let Ok(running) = self.hold() {
            running.wait_started();
            holds.push(running);
        }
        while let Ok(waiting) = self.hold() {
            holds.push(waiting);
        }
        holds
    }

    /// Hashes a new password (PHC string).
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        let argon = self.argon.clone();
        // Rare (new accounts, password changes): the library allocates its own memory.
        self.run(move |_| {
            argon
                .hash_password(password.as_bytes())
                .map(|h| h.to_string())
                .map_err(|e| ApiError::Internal(format!("password hashing failed: {e}")))
        })
        .await?
    }

    /// Whether the password matches; with no hash, checks a dummy one and answers false.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, ApiError> {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.clone());
        let matches = self
            .run(move |memory| verify_in(memory, password.as_bytes(), &hash))
            .await?;
        Ok(known && matches)
    }
}

#[cfg(test)]
mod tests {
    use actix_web::ResponseError;
    use argon2::password_hash::PasswordVerifier;

    use super::*;

    /// The hashing thread runs at nice 10 (read back from /proc, Linux only).
    #[cfg(target_os = "linux")]
    #[actix_web::test]
    async fn the_hashing_thread_yields_to_requests() {
        let passwords = Passwords::new(Argon2Params::TESTING, DEFAULT_QUEUE).unwrap();
        // The thread lowers its priority first thing; a job done means that is done.
        passwords.hash("x".into()).await.unwrap();
        // Other tests' hashing threads may not have started yet: read again a little later.
        let read_nice = || {
            let mut nice = Vec::new();
            for task in std::fs::read_dir("/proc/self/task").unwrap() {
                let path = task.unwrap().path();
                let comm = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
                if comm.trim() != "argon2" {
                    continue;
                }
                let Ok(stat) = std::fs::read_to_string(path.join("stat")) else {
                    continue; // the thread just ended
                };
                // Fields after the command name's closing parenthesis; nice is field 19.
                let fields: Vec<&str> = stat
                    .rsplit_once(')')
                    .unwrap()
                    .1
                    .split_whitespace()
                    .collect();
                nice.push(fields[16].parse::<i32>().unwrap());
            }
            nice
        };
        let mut nice = read_nice();
        for _ in 0..40 {
            if !nice.is_empty() && nice.iter().all(|n| *n == 10) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
            nice = read_nice();
        }
        assert!(!nice.is_empty(), "no argon2 thread found");
        assert!(nice.iter().all(|n| *n == 10), "nice values {nice:?}");
    }

    /// With the thread held and the queue full, a hash is refused at once (503 with
    /// `Retry-After`), and works again once the queue drains.
    #[actix_web::test]
    async fn a_full_queue_refuses_at_once() {
        let passwords = Passwords::new(Argon2Params::TESTING, 1).unwrap();
        let holds = passwords.fill();
        // One running, one waiting.
        assert_eq!(holds.len(), 2);
        let refused = passwords.hold().err().unwrap();
        assert!(matches!(refused, ApiError::Busy { .. }), "{refused:?}");
        let busy = passwords.hash("x".into()).await.unwrap_err();
        assert_eq!(
            busy.status_code(),
            actix_web::http::StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(busy.code(), "password_hashing_busy");
        drop(holds);
        passwords.wait_idle();
        passwords.hash("x".into()).await.unwrap();
    }

    #[actix_web::test]
    async fn verifies_what_it_hashed_and_nothing_else() {
        let passwords = Passwords::new(Argon2Params::TESTING, DEFAULT_QUEUE).unwrap();
        let hash = passwords.hash("correct horse".into()).await.unwrap();
        assert!(
            passwords
                .verify("correct horse".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !passwords
                .verify("wrong horse".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !passwords
                .verify("correct horse".into(), None)
                .await
                .unwrap()
        );
        assert!(
            !passwords
                .verify("x".into(), Some("not a hash".into()))
                .await
                .unwrap()
        );
        // The reused memory agrees with the library on hashes of other parameters.
        let other = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(128, 2, 1, None).unwrap(),
        );
        let phc = other.hash_password(b"autre").unwrap().to_string();
        assert!(other.verify_password(b"autre", phc.as_str()).is_ok());
        assert!(
            passwords
                .verify("autre".into(), Some(phc.clone()))
                .await
                .unwrap()
        );
        assert!(!passwords.verify("autres".into(), Some(phc)).await.unwrap());
    }
}
