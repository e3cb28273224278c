//! The threads that hash passwords. They run at the lowest CPU priority, so
//! a flood of sign-ins uses what the access checks leave over instead of
//! taking cores from them.

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};

type Job = Box<dyn FnOnce() + Send>;

#[derive(Clone)]
pub struct HashPool {
    jobs: Sender<Job>,
}

impl HashPool {
    pub fn start(threads: usize) -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads.max(1) {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("kiosk-hash-{n}"))
                .spawn(move || {
                    lower_priority();
                    work(&queue);
                })?;
        }
        Ok(Self { jobs })
    }

    /// Runs `job` on a pool thread; `None` if the pool has stopped.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = reply.send(job());
        });
        self.jobs.send(job).ok()?;
        answer.await.ok()
    }
}

fn work(queue: &Mutex<Receiver<Job>>) {
    loop {
        let job = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        match job {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

/// Nice 19 for the calling thread (Linux keeps a nice value per thread).
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn lower_priority() {
    // SAFETY: setpriority takes plain integers and touches no memory of
    // ours; with PRIO_PROCESS and who = 0 it applies to the calling thread.
    let result = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, 19) };
    if result != 0 {
        tracing::warn!("could not lower the password-hashing threads' priority");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}
